"""The demo data of the API contract, loaded idempotently with deterministic tokens."""

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.common import Address, NamedAddress
from models.contact import Contact
from models.customer import Customer, CustomerProfile, profile_columns
from models.database import SessionFactory, transaction
from models.enums import Role, Side, UserState
from models.tokens import demo_token, hash_token
from models.user import ApiToken, User


@dataclass(frozen=True)
class SeedContact:
    """A demo contact, its details named as the contact's columns."""

    salutation: str
    first_name: str
    last_name: str
    email: str
    phone: str
    job_title: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class SeedCustomer:
    """A demo customer, paid for at its legal name and address."""

    name: str
    address: Address
    contacts: tuple[SeedContact, ...] = field(default_factory=tuple)


CUSTOMERS = (
    SeedCustomer(
        name="Example Energy plc",
        address=Address(
            street="1 Generator Way", city="Manchester", postal_code="M1 1AA", country="GB"
        ),
        contacts=(
            SeedContact(
                "Mr",
                "Derek",
                "Emonstration",
                "derek.emonstration@energy.example.com",
                "+44 161 496 0001",
                "Managing Director",
                (Role.MANAGEMENT, Role.CUST_ADMIN),
            ),
            SeedContact(
                "Mrs",
                "Teresa",
                "Echie",
                "teresa.echie@energy.example.com",
                "+44 161 496 0002",
                "Finance Manager",
                (Role.FINANCIAL,),
            ),
            SeedContact(
                "Mr",
                "Timothy",
                "Ester",
                "timothy.ester@energy.example.com",
                "+44 161 496 0003",
                "Systems Engineer",
                (Role.TECHNICAL,),
            ),
            SeedContact(
                "Ms",
                "Ursula",
                "Ser",
                "ursula.ser@energy.example.com",
                "+44 161 496 0004",
                "Commercial Lead",
                (Role.AGREEMENT, Role.FINANCIAL),
            ),
        ),
    ),
    SeedCustomer(
        name="Northwind Metals Ltd",
        address=Address(
            street="7 Foundry Lane", city="Sheffield", postal_code="S1 2BB", country="GB"
        ),
        contacts=(
            SeedContact(
                "Ms",
                "Olive",
                "Ther",
                "olive.ther@northwind.example.com",
                "+44 114 496 0101",
                "Director",
                (Role.MANAGEMENT, Role.CUST_ADMIN, Role.FINANCIAL, Role.AGREEMENT),
            ),
        ),
    ),
)
# The team: Sam, its admin, and Alice, who checks what Sam files for a customer.
STAFF = (
    ("Sam Service", "sam.service@signoff.example.com", True),
    ("Alice Agent", "alice.agent@signoff.example.com", False),
)


async def load_demo_data(sessions: SessionFactory, secret_key: str) -> dict[str, Any]:
    async with transaction(sessions) as session:
        customers = [await _customer(session, spec, secret_key) for spec in CUSTOMERS]
        staff = [await _staff(session, *member, secret_key) for member in STAFF]
    return {"customers": customers, "staff": staff}


async def _customer(session: AsyncSession, spec: SeedCustomer, secret_key: str) -> dict[str, Any]:
    # Found by its demo contacts, not by its name: a profile change may have renamed it.
    known = (
        await session.exec(
            select(Customer)
            .join(Contact, col(Contact.customer_id) == Customer.id)
            .where(col(Contact.email).in_([contact.email for contact in spec.contacts]))
        )
    ).first()
    customer = (
        known
        or (await session.exec(select(Customer).where(Customer.legal_name == spec.name))).first()
    )
    if customer is None:
        named = NamedAddress(name=spec.name, address=spec.address)
        profile = CustomerProfile(legal=named, payment=named)
        customer = Customer.model_validate(profile_columns(profile))
        session.add(customer)
        await session.flush()
    contacts = [await _contact(session, customer, spec, secret_key) for spec in spec.contacts]
    return {"id": str(customer.id), "name": customer.legal_name, "contacts": contacts}


async def _contact(
    session: AsyncSession, customer: Customer, spec: SeedContact, secret_key: str
) -> dict[str, Any]:
    contact = (await session.exec(select(Contact).where(Contact.email == spec.email))).first()
    if contact is None:
        details = {**asdict(spec), "roles": [role.value for role in spec.roles]}
        contact = Contact(customer_id=customer.id, side=Side.CUSTOMER, **details)
        session.add(contact)
        await session.flush()
    user = (await session.exec(select(User).where(User.contact_id == contact.id))).first()
    if user is None:
        user = User(contact_id=contact.id, state=UserState.ACTIVE)
        session.add(user)
        await session.flush()
    return {
        "id": str(contact.id),
        "user_id": str(user.id),
        "name": contact.display_name,
        "email": contact.email,
        "roles": contact.roles,
        "token": await _token(session, user, secret_key, spec.email),
    }


async def _staff(
    session: AsyncSession, name: str, email: str, admin: bool, secret_key: str
) -> dict[str, Any]:
    user = (await session.exec(select(User).where(User.email == email, User.is_staff))).first()
    if user is None:
        user = User(is_staff=True, is_admin=admin, name=name, email=email, state=UserState.ACTIVE)
        session.add(user)
        await session.flush()
    return {
        "id": str(user.id),
        "name": name,
        "email": email,
        "token": await _token(session, user, secret_key, email),
    }


async def _token(session: AsyncSession, user: User, secret_key: str, label: str) -> str:
    token = demo_token(secret_key, label)
    digest = hash_token(token)
    if (await session.exec(select(ApiToken).where(ApiToken.token_hash == digest))).first() is None:
        session.add(ApiToken(user_id=user.id, token_hash=digest))
    return token
