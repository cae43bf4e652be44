"""The canonical model: what the hub holds, with Pipe17's field names (camelCase on the wire)."""

from orderhub.domain.base import HubModel, Money, UtcDatetime
from orderhub.domain.exception import ExceptionStatus, SyncException
from orderhub.domain.fulfillment import Fulfillment, FulfillmentLine
from orderhub.domain.integration import (
    ConnectionCheck,
    ConnectionReport,
    FlowName,
    FlowSetting,
    Integration,
    IntegrationStatus,
    IntegrationWebhooks,
    SubscriptionCheck,
    WebhookFlowHealth,
    WebhookMode,
)
from orderhub.domain.inventory import Inventory
from orderhub.domain.location import Location, LocationStatus
from orderhub.domain.order import (
    Address,
    Customer,
    CustomField,
    LineItem,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from orderhub.domain.product import Product, ProductStatus, ProductType
from orderhub.domain.run import Outcome, Run, RunCounts, RunStatus
from orderhub.domain.verification import Verification, VerificationStatus

__all__ = [
    "Address",
    "ConnectionCheck",
    "ConnectionReport",
    "CustomField",
    "Customer",
    "ExceptionStatus",
    "FlowName",
    "FlowSetting",
    "Fulfillment",
    "FulfillmentLine",
    "HubModel",
    "Integration",
    "IntegrationStatus",
    "IntegrationWebhooks",
    "Inventory",
    "LineItem",
    "Location",
    "LocationStatus",
    "Money",
    "Order",
    "OrderStatus",
    "Outcome",
    "Payment",
    "PaymentStatus",
    "Product",
    "ProductStatus",
    "ProductType",
    "Run",
    "RunCounts",
    "RunStatus",
    "SubscriptionCheck",
    "SyncException",
    "UtcDatetime",
    "Verification",
    "VerificationStatus",
    "WebhookFlowHealth",
    "WebhookMode",
]
