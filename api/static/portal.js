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
