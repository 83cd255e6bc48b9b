# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'dms.configuration'
    backorder_policy = fields.Selection([
            ('refuse', "Refuse"),
            ('accept', "Accept as back-order"),
            ], "Back-order Policy", required=True,
        help="What to do with an order line when the stock available to "
        "promise is short.")
    max_line_quantity = fields.Float(
        "Maximum Line Quantity", required=True,
        domain=[('max_line_quantity', '>', 0)],
        help="The largest quantity a dealer may order on one line.")
    max_order_lines = fields.Integer(
        "Maximum Order Lines", required=True,
        domain=[('max_order_lines', '>', 0)],
        help="The largest number of lines of one dealer order.")
    transit_days = fields.Integer(
        "Transit Days", required=True,
        domain=[('transit_days', '>=', 0)],
        help="Days between the shipment and the delivery to the dealer, "
        "added to the shipping dates for the promised date and the ETA.")
    stall_received_days = fields.Integer(
        "Unconfirmed Alert (Days)",
        domain=['OR', ('stall_received_days', '=', None),
            ('stall_received_days', '>=', 0)],
        help="Raise an alert on orders received and not confirmed for so "
        "many days (empty or 0 for none).")
    stall_confirmed_days = fields.Integer(
        "Confirmed Stall Alert (Days)",
        domain=['OR', ('stall_confirmed_days', '=', None),
            ('stall_confirmed_days', '>=', 0)],
        help="Raise an alert on orders confirmed that moved no further for "
        "so many days.")
    stall_production_days = fields.Integer(
        "Production Stall Alert (Days)",
        domain=['OR', ('stall_production_days', '=', None),
            ('stall_production_days', '>=', 0)],
        help="Raise an alert on orders in production for so many days.")
    stall_ready_days = fields.Integer(
        "Ready Stall Alert (Days)",
        domain=['OR', ('stall_ready_days', '=', None),
            ('stall_ready_days', '>=', 0)],
        help="Raise an alert on orders ready and not shipped for so many "
        "days.")
    stall_shipped_days = fields.Integer(
        "Delivery Stall Alert (Days)",
        domain=['OR', ('stall_shipped_days', '=', None),
            ('stall_shipped_days', '>=', 0)],
        help="Raise an alert on orders shipped and not delivered for so "
        "many days.")
    suggestion_history_days = fields.Integer(
        "Suggestion History (Days)", required=True,
        domain=[('suggestion_history_days', '>', 0)],
        help="How far back replenishment suggestions read the orders.")
    suggestion_min_orders = fields.Integer(
        "Suggestion Minimum Orders", required=True,
        domain=[('suggestion_min_orders', '>=', 2)],
        help="A product ordered fewer times is not regular enough to be "
        "suggested.")
    suggestion_due_ratio = fields.Float(
        "Suggestion Due Ratio", required=True,
        domain=[('suggestion_due_ratio', '>', 0)],
        help="A product is suggested once this share of its usual interval "
        "has passed since its last order (0.75: three quarters).")
    suggestion_season_days = fields.Integer(
        "Suggestion Season (Days)", required=True,
        domain=[('suggestion_season_days', '>', 0)],
        help="With a year of history, the quantity is scaled by what was "
        "ordered in these coming days last year.")
    check_credit_limit = fields.Boolean(
        "Check Credit Limit",
        help="Refuse dealer orders that take the dealer over its credit "
        "limit.")

    @classmethod
    def default_backorder_policy(cls):
        return 'refuse'

    @classmethod
    def default_max_line_quantity(cls):
        return 10_000

    @classmethod
    def default_max_order_lines(cls):
        return 200

    @classmethod
    def default_check_credit_limit(cls):
        return True

    @classmethod
    def default_transit_days(cls):
        return 2

    @classmethod
    def default_stall_received_days(cls):
        return 2

    @classmethod
    def default_stall_confirmed_days(cls):
        return 10

    @classmethod
    def default_stall_production_days(cls):
        return 20

    @classmethod
    def default_stall_ready_days(cls):
        return 3

    @classmethod
    def default_stall_shipped_days(cls):
        return 10

    @classmethod
    def default_suggestion_history_days(cls):
        return 730

    @classmethod
    def default_suggestion_min_orders(cls):
        return 3

    @classmethod
    def default_suggestion_due_ratio(cls):
        return 0.75

    @classmethod
    def default_suggestion_season_days(cls):
        return 56

    @property
    def dms_portal_order_url(self):
        "The portal address of an order: format it with the order id"
        return self.get_portal_url('orders/%s')
