# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The carrier, tracking number and delivery exception of customer
shipments, and the events they add to their orders' timelines"""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class ShipmentOut(metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'
    carrier = fields.Many2One(
        'carrier', "Carrier", ondelete='RESTRICT',
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    tracking_number = fields.Char(
        "Tracking Number",
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    dms_exception = fields.Char(
        "Delivery Exception",
        states={
            'readonly': Eval('state') == 'cancelled',
            },
        help="What went wrong on the way (damaged, lost, refused...): the "
        "dealer order gets an alert until it is cleared.")

    def dms_sales(self):
        "The sales of the shipment's outgoing moves"
        pool = Pool()
        SaleLine = pool.get('sale.line')
        return {
            m.origin.sale for m in self.outgoing_moves
            if isinstance(m.origin, SaleLine)}

    @classmethod
    def dms_dealer_sales(cls, shipments):
        "The dealer orders of the shipments"
        sales = set()
        for shipment in shipments:
            sales.update(shipment.dms_sales())
        return [s for s in sales if s.dealer]

    @classmethod
    def on_write(cls, shipments, values):
        callbacks = super().on_write(shipments, values)
        if 'dms_exception' in values:
            before = {s.id: s.dms_exception for s in shipments}

            def log():
                pool = Pool()
                Sale = pool.get('sale.sale')
                events = []
                for shipment in cls.browse(list(before)):
                    if bool(shipment.dms_exception) == bool(
                            before[shipment.id]):
                        continue
                    note = 'exception' if shipment.dms_exception else (
                        'exception_cleared')
                    for sale in cls.dms_dealer_sales([shipment]):
                        events.append(Sale.dms_event(
                                sale, 'shipment', shipment=shipment,
                                note=note))
                Sale.dms_save_events(events)
            callbacks.append(log)
        return callbacks

    @classmethod
    def on_modification(cls, mode, shipments, field_names=None):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Event = pool.get('dms.order.event')
        super().on_modification(mode, shipments, field_names=field_names)
        if mode == 'delete' or Transaction().context.get('_dms_tracking'):
            return
        if mode == 'create' or field_names & {'state', 'planned_date'}:
            sales = cls.dms_dealer_sales(shipments)
            if sales:
                Sale.dms_track(sales)
                # The ETA follows the planned dates of the shipments still
                # to leave: not on every step of the picking, which would
                # undo the ETA a planner set
                left = {'shipped', 'done', 'cancelled'}
                if (mode == 'create' or 'planned_date' in field_names
                        or any(s.state in left for s in shipments)):
                    Sale.dms_follow_shipments(sales)
            if mode == 'write' and 'state' in field_names:
                # Shipped in one step (done) or two (shipped, done): the
                # event once, when it leaves
                leaving = [
                    s for s in shipments if s.state in {'shipped', 'done'}]
                logged = {e.shipment.id for e in Event.search([
                            ('shipment', 'in', [s.id for s in leaving]),
                            ('kind', '=', 'shipment'),
                            ('note', '=', 'done'),
                            ])} if leaving else set()
                events = []
                for shipment in leaving:
                    if shipment.id in logged:
                        continue
                    for sale in shipment.dms_sales():
                        if sale.dealer:
                            events.append(Sale.dms_event(
                                    sale, 'shipment', shipment=shipment,
                                    note='done'))
                Sale.dms_save_events(events)
