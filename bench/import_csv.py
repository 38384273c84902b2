"""A CSV file for timing ``signoff import``: customers with their contacts, every one of
them valid, each customer's contacts holding its required roles between them.

    python -m bench.import_csv var/import.csv --customers 2000 --contacts 5
    SIGNOFF_DATABASE_URL=sqlite:///var/import.db signoff db upgrade
    time SIGNOFF_DATABASE_URL=sqlite:///var/import.db signoff import var/import.csv
"""

import argparse
import csv
from pathlib import Path

from models.customer_import import COLUMNS

# The first contact holds the required roles, the others one role each, in turn.
ROLES = ("Management;Cust Admin;Financial;Agreement", "Technical", "Application", "Security")
CITIES = (("Leeds", "LS1 4AP"), ("Bristol", "BS1 4DJ"), ("Hull", "HU1 1AA"), ("York", "YO1 7HH"))


def write(path: Path, customers: int, contacts: int) -> int:
    """Write the file; the number of rows written."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for number in range(1, customers + 1):
            city, postal_code = CITIES[number % len(CITIES)]
            customer = (f"BENCH-{number:05d}", f"Bench Customer {number} Ltd")
            address = (f"{number} Import Street", city, postal_code, "GB")
            for index in range(contacts):
                person = (
                    "Ms" if index % 2 else "Mr",
                    f"First{index}",
                    f"Last{number}",
                    f"contact{index}@customer{number}.bench.example.com",
                    f"+44 113 496 {index:04d}",
                    "Bench Contact",
                    ROLES[index % len(ROLES)] if index else ROLES[0],
                )
                writer.writerow((*customer, *address, *person))
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", type=Path)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--contacts", type=int, default=5, help="contacts per customer")
    args = parser.parse_args()
    rows = write(args.path, args.customers, args.contacts)
    print(f"{args.path}: {args.customers} customers, {rows} contacts")


if __name__ == "__main__":
    main()
