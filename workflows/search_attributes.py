"""The search attributes operators filter on (registered on the server before any worker)."""

from temporalio.common import SearchAttributeKey

CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
REQUEST_KIND = SearchAttributeKey.for_keyword("RequestKind")
REQUEST_STATUS = SearchAttributeKey.for_keyword("RequestStatus")
TICKET_NUMBER = SearchAttributeKey.for_keyword("TicketNumber")

ALL = (CUSTOMER_ID, REQUEST_KIND, REQUEST_STATUS, TICKET_NUMBER)
