# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import Index, Unique, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    external_reference = fields.Char(
        "External Reference",
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The dealer's own reference of the order, unique per dealer.")
    dms_source = fields.Selection([
            (None, ""),
            ('portal', "Portal"),
            ('intake', "Order Intake"),
            ], "Source", readonly=True,
        help="Where the dealer order came from.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('dealer_external_reference_unique',
                Unique(t, t.dealer, t.external_reference),
                'dms_orders.msg_sale_external_reference_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.external_reference, Index.Equality()),
                where=t.external_reference != None))  # noqa: E711

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('external_reference')
        default.setdefault('dms_source')
        return super().copy(sales, default=default)
