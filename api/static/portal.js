// Signoff's portal works without this script; with it, a few forms are easier to use.
"use strict";

// A check box with data-disables="<id>" turns the fieldset of that id off while it is ticked
// ("Payment details same as legal": the payment fields are not used then).
for (const box of document.querySelectorAll("input[type=checkbox][data-disables]")) {
  const target = document.getElementById(box.dataset.disables);
  if (target) {
    const sync = () => { target.disabled = box.checked; };
    box.addEventListener("change", sync);
    sync();
  }
}

// A new contact's organisation (a select with data-limits-roles) limits the roles it may
// hold: the boxes of its row for the other side's roles are turned off and cleared.
for (const select of document.querySelectorAll("select[data-limits-roles]")) {
  const row = select.closest("tr");
  if (row) {
    const sync = () => {
      for (const cell of row.querySelectorAll("td[data-sides]")) {
        const box = cell.querySelector("input[type=checkbox]");
        const offered = cell.dataset.sides.split(" ").includes(select.value);
        if (box) {
          box.disabled = !offered;
          if (!offered) box.checked = false;
        }
      }
    };
    select.addEventListener("change", sync);
    sync();
  }
}
