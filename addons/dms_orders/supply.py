# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Priority supply: when stock is short, the confirmed dealer orders of the
tiers with the higher supply priority get it first, then the older orders"""
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, dualmethod
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from dms_portal.formats import format_quantity



class ShipmentOut(metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'

    @property
    def dms_priority_key(self):
        """The order in which waiting shipments get the stock: higher tier
        supply priority first, then the older orders"""
        sales = self.dms_sales()
        priority = max((
                s.dealer.tier.supply_priority
                for s in sales if s.dealer and s.dealer.tier), default=0)
        dates = [
            s.sale_date or s.create_date.date() for s in sales
            if s.sale_date or s.create_date]
        return (-priority, min(dates, default=dt.date.max),
            self.planned_date or dt.date.max, self.id)

    @classmethod
    def to_assign(cls):
        if Transaction().context.get('_dms_shipment_out_assigned'):
            # Already tried by the priority allocation of this run
            return []
        return super().to_assign()

    @dualmethod
    @ModelView.button
    def assign_try(cls, shipments):
        # Tryton's move assignment serves the moves in the order given
        shipments = sorted(shipments, key=lambda s: s.dms_priority_key)
        super().assign_try(shipments)
        cls._dms_mark_allocation(shipments)

    @classmethod
    def _dms_mark_allocation(cls, shipments):
        "Flag the dealer orders left waiting for stock by the allocation"
        pool = Pool()
        Sale = pool.get('sale.sale')
        sales = cls.dms_dealer_sales(cls.browse(shipments))
        to_write = defaultdict(list)
        for sale in sales:
            waiting = any(s.state == 'waiting' for s in sale.shipments)
            if bool(sale.dms_unallocated) != waiting:
                to_write[waiting].append(sale)
        args = []
        for waiting, records in to_write.items():
            args.extend([records, {'dms_unallocated': waiting}])
        if args:
            with Transaction().set_context(_dms_tracking=True):
                Sale.write(*args)

    @classmethod
    def dms_waiting_notes(cls, sales):
        """Why each order waits: per product short, the quantity free in
        stock and the quantity waiting for the orders served before it"""
        pool = Pool()
        Product = pool.get('product.product')
        Uom = pool.get('product.uom')
        Date = pool.get('ir.date')
        notes = {s.id: None for s in sales}
        waiting = {}
        for sale in sales:
            shipments = [
                s for s in sale.shipments if s.state == 'waiting']
            if shipments:
                waiting[sale.id] = shipments
        if not waiting:
            return notes
        # All the waiting shipments competing for the same products
        moves_of = {}
        products = set()
        locations = set()
        for shipments in waiting.values():
            for shipment in shipments:
                moves_of[shipment] = [
                    m for m in shipment.assign_moves
                    if m.assignation_required and m.state == 'draft']
                products.update(m.product.id for m in moves_of[shipment])
                locations.add(shipment.warehouse_storage.id)
        competitors = cls.search([
                ('state', '=', 'waiting'),
                ('id', 'not in', [s.id for s in moves_of]),
                ('moves.product', 'in', list(products)),
                ])
        for shipment in competitors:
            moves_of[shipment] = [
                m for m in shipment.assign_moves
                if m.assignation_required and m.state == 'draft']
        with Transaction().set_context(
                stock_date_end=Date.today(), stock_assign=True):
            quantities = Product.products_by_location(
                list(locations), with_childs=True,
                grouping_filter=(list(products),))
        free = defaultdict(float)
        for (_, product_id), quantity in quantities.items():
            free[product_id] += quantity
        keys = {s: s.dms_priority_key for s in moves_of}
        for sale_id, shipments in waiting.items():
            lines = []
            for shipment in shipments:
                for move in moves_of[shipment]:
                    product = move.product
                    quantity = Uom.compute_qty(
                        move.unit, move.quantity, product.default_uom,
                        round=False)
                    ahead = sum(
                        Uom.compute_qty(
                            m.unit, m.quantity, product.default_uom,
                            round=False)
                        for s, ms in moves_of.items()
                        if keys[s] < keys[shipment]
                        for m in ms if m.product == product)
                    unit = product.default_uom
                    lines.append(gettext('dms_orders.msg_supply_waiting',
                            product=product.rec_name,
                            quantity=format_quantity(unit.round(quantity)),
                            free=format_quantity(
                                unit.round(max(free[product.id], 0))),
                            ahead=format_quantity(unit.round(ahead)),
                            unit=unit.symbol))
            notes[sale_id] = '\n'.join(lines) or None
        return notes


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def stock_shipment_assign_try(cls):
        "Serve the customer shipments first, in their priority order"
        pool = Pool()
        ShipmentOut = pool.get('stock.shipment.out')
        shipments = ShipmentOut.to_assign()
        if shipments:
            ShipmentOut.assign_try(shipments)
        with Transaction().set_context(_dms_shipment_out_assigned=True):
            super().stock_shipment_assign_try()
