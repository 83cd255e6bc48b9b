# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Fulfilment tracking of dealer orders: stage, timeline, promised date, ETA

The stage of an order is derived from Tryton's own records (the state of
the sale and of its customer shipments); the stages that have no record in
Tryton (in production, delivered) are set by factory staff with a button,
or by the dealer who confirms the receipt in the portal.  Every change is a
dated event of the order's timeline, with who or what caused it."""
import datetime as dt
from collections import defaultdict

from sql import Literal

from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import StageError

STAGES = [
    ('received', "Received"),
    ('confirmed', "Confirmed"),
    ('in_production', "In Production"),
    ('ready', "Ready"),
    ('shipped', "Shipped"),
    ('delivered', "Delivered"),
    ('cancelled', "Cancelled"),
    ]
OPEN_STAGES = ['received', 'confirmed', 'in_production', 'ready', 'shipped']

class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    dms_stage = fields.Selection(
        [(None, "")] + STAGES, "Stage", readonly=True,
        help="Where the dealer order is in its fulfilment.")
    dms_stage_date = fields.Timestamp(
        "Stage Since", readonly=True,
        help="When the order reached its stage.")
    promised_date = fields.Date(
        "Promised Date",
        states={
            'readonly': ~Eval('state').in_(['draft', 'quotation']),
            'invisible': ~Eval('dealer'),
            },
        help="The delivery date promised to the dealer, set at "
        "confirmation (from the requested date and the lead times when "
        "left empty).")
    eta = fields.Date(
        "ETA",
        states={
            'readonly': Eval('dms_stage').in_(['delivered', 'cancelled']),
            'invisible': ~Eval('dealer'),
            },
        help="The current estimated delivery date: planners update it and "
        "it follows the planned dates of the shipments.")
    dms_events = fields.One2Many(
        'dms.order.event', 'sale', "Timeline", readonly=True,
        order=[('date', 'ASC'), ('id', 'ASC')])
    dms_alerts = fields.One2Many(
        'dms.order.alert', 'sale', "Alerts", readonly=True)
    dms_unallocated = fields.Boolean(
        "Waiting for Stock", readonly=True,
        help="The last allocation left shipments of the order waiting for "
        "stock.")
    dms_supply_note = fields.Function(
        fields.Text("Why It Waits"), 'get_dms_supply_note')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.dms_stage, Index.Equality()),
                    (t.dms_stage_date, Index.Range()),
                    where=t.dms_stage.in_(OPEN_STAGES)),
                Index(t,
                    (t.promised_date, Index.Range()),
                    where=t.dms_stage.in_(OPEN_STAGES)),
                Index(t,
                    (t.dms_unallocated, Index.Equality()),
                    where=(t.dms_unallocated == Literal(True))
                    & t.dms_stage.in_(OPEN_STAGES)),
                })
        cls._buttons.update({
                'dms_start_production': {
                    'invisible': Eval('dms_stage') != 'confirmed',
                    'depends': ['dms_stage'],
                    },
                'dms_deliver': {
                    'invisible': Eval('dms_stage') != 'shipped',
                    'depends': ['dms_stage'],
                    },
                })

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        for name in ['dms_stage', 'dms_stage_date', 'promised_date', 'eta',
                'dms_events', 'dms_alerts', 'dms_unallocated']:
            default.setdefault(name)
        return super().copy(sales, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and 'dms_stage' not in values:
            stage = cls._dms_initial_stage(values)
            if stage:
                values['dms_stage'] = stage
                values['dms_stage_date'] = dt.datetime.now()
        return values

    @classmethod
    def _dms_initial_stage(cls, values):
        # A portal cart (a draft of the portal) is not an order yet
        if not values.get('dealer'):
            return
        state = values.get('state', 'draft')
        if state == 'draft' and values.get('dms_source') == 'portal':
            return
        if state == 'cancelled':
            return 'cancelled'
        return 'received'

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        pool = Pool()
        Date = pool.get('ir.date')
        super().check_modification(
            mode, sales, values=values, external=external)
        if mode == 'write' and external and values.get('eta'):
            today = Date.today()
            if values['eta'] < today:
                raise StageError(gettext('dms_orders.msg_eta_past',
                        eta=values['eta'], today=today))

    @classmethod
    def on_write(cls, sales, values):
        callbacks = super().on_write(sales, values)
        changed = {
            name for name in ['eta', 'promised_date'] if name in values}
        if changed and not Transaction().context.get('_dms_tracking'):
            before = {s.id: (s.eta, s.promised_date) for s in sales}

            def log():
                events = []
                for sale in cls.browse(list(before)):
                    if not sale.dealer:
                        continue
                    eta, promised = before[sale.id]
                    if 'eta' in changed and sale.eta != eta:
                        events.append(
                            cls.dms_event(sale, 'eta', date_value=sale.eta))
                    if ('promised_date' in changed
                            and sale.promised_date != promised):
                        events.append(cls.dms_event(
                                sale, 'promised', date_value=sale.promised_date))
                cls.dms_save_events(events)
            callbacks.append(log)
        return callbacks

    @classmethod
    def on_modification(cls, mode, sales, field_names=None):
        super().on_modification(mode, sales, field_names=field_names)
        if mode == 'create':
            cls.dms_save_events([
                    cls.dms_event(s, 'stage', stage=s.dms_stage)
                    for s in sales if s.dms_stage])
        elif mode == 'write' and 'state' in field_names:
            cls.dms_track(sales)

    @classmethod
    def dms_event(cls, sale, kind, **values):
        "A new (unsaved) event of the sale's timeline, by whoever causes it"
        pool = Pool()
        Event = pool.get('dms.order.event')
        origin, user, web_user = Event.current_origin()
        return Event(
            sale=sale, kind=kind, origin=origin, user=user,
            web_user=web_user, date=dt.datetime.now(), **values)

    @classmethod
    def dms_save_events(cls, events):
        "Save the events made by dms_event"
        pool = Pool()
        Event = pool.get('dms.order.event')
        if events:
            Event.save(events)

    def _dms_derived_stage(self):
        "The stage Tryton's records give, keeping the manual stages"
        state = self.state
        if state == 'cancelled':
            return 'cancelled'
        if state in {'draft', 'quotation'}:
            if state == 'draft' and not self.dms_stage:
                # a portal cart
                return None
            return 'received'
        shipments = [s for s in self.shipments if s.state != 'cancelled']
        # Tryton 8 ships in two steps (shipped, then done): both left the
        # factory
        if shipments and all(
                s.state in {'shipped', 'done'} for s in shipments):
            stage = 'shipped'
        elif shipments and all(
                s.state in {'assigned', 'picked', 'packed', 'shipped', 'done'}
                for s in shipments):
            stage = 'ready'
        elif state == 'done':
            stage = 'shipped'
        else:
            stage = 'confirmed'
        if (self.dms_stage, stage) in {
                ('delivered', 'shipped'), ('in_production', 'confirmed')}:
            stage = self.dms_stage
        return stage

    @classmethod
    def dms_track(cls, sales):
        """Set the stage of the dealer orders from Tryton's records and log
        the changes in their timelines"""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Date = pool.get('ir.date')
        sales = [s for s in cls.browse(sales) if s.dealer]
        if not sales:
            return
        config = Configuration(1)
        now = dt.datetime.now()
        today = Date.today()
        events, to_write = [], defaultdict(list)
        for sale in sales:
            stage = sale._dms_derived_stage()
            values = {}
            if stage != sale.dms_stage:
                values['dms_stage'] = stage
                values['dms_stage_date'] = now
                events.append(cls.dms_event(sale, 'stage', stage=stage))
            if stage == 'confirmed' and sale.dms_stage == 'received':
                if not sale.promised_date:
                    promised = sale._dms_default_promised_date(config)
                    values['promised_date'] = promised
                    events.append(
                        cls.dms_event(sale, 'promised', date_value=promised))
                if not sale.eta:
                    values['eta'] = (
                        values.get('promised_date') or sale.promised_date)
            elif stage == 'shipped' and sale.dms_stage != 'delivered':
                eta = sale._dms_shipped_eta(config, today)
                if eta and eta != sale.eta:
                    values['eta'] = eta
                    events.append(cls.dms_event(sale, 'eta', date_value=eta))
            if sale.dms_unallocated and not any(
                    s.state == 'waiting' for s in sale.shipments):
                values['dms_unallocated'] = False
            if values:
                to_write[tuple(sorted(values.items()))].append(sale)
        if to_write:
            args = []
            for values, records in to_write.items():
                args.extend([records, dict(values)])
            with Transaction().set_context(_dms_tracking=True):
                cls.write(*args)
        cls.dms_save_events(events)

    def _dms_default_promised_date(self, config):
        "The requested date or the latest shipping date of the lines"
        pool = Pool()
        Date = pool.get('ir.date')
        dates = [self.shipping_date] + [
            l.shipping_date for l in self.lines
            if getattr(l, 'shipping_date', None)]
        dates = [d for d in dates if d]
        date = max(dates) if dates else Date.today()
        return date + dt.timedelta(days=config.transit_days or 0)

    def _dms_shipped_eta(self, config, today):
        dates = [
            s.effective_date for s in self.shipments
            if s.state in {'shipped', 'done'} and s.effective_date]
        if dates:
            return max(dates) + dt.timedelta(days=config.transit_days or 0)

    @classmethod
    def dms_follow_shipments(cls, sales):
        """Set the ETA of open orders from the planned dates of their
        shipments"""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        config = Configuration(1)
        events, to_write = [], defaultdict(list)
        for sale in cls.browse(sales):
            if not sale.dealer or sale.dms_stage not in {
                    'confirmed', 'in_production', 'ready'}:
                continue
            dates = [
                s.planned_date for s in sale.shipments
                if s.state not in {'shipped', 'done', 'cancelled'}
                and s.planned_date]
            if not dates:
                continue
            eta = max(dates) + dt.timedelta(days=config.transit_days or 0)
            if eta != sale.eta:
                to_write[eta].append(sale)
                events.append(cls.dms_event(sale, 'eta', date_value=eta))
        if to_write:
            args = []
            for eta, records in to_write.items():
                args.extend([records, {'eta': eta}])
            with Transaction().set_context(_dms_tracking=True):
                cls.write(*args)
        cls.dms_save_events(events)

    @classmethod
    def _dms_check_stage(cls, sales, from_stage, to_stage):
        Stage = dict(cls.fields_get(['dms_stage'])['dms_stage']['selection'])
        for sale in sales:
            if sale.dms_stage != from_stage:
                raise StageError(gettext('dms_orders.msg_stage_move',
                        sale=sale.rec_name,
                        stage=Stage.get(sale.dms_stage) or '',
                        to_stage=Stage[to_stage]))

    @classmethod
    def _dms_set_stage(cls, sales, stage, note=None):
        now = dt.datetime.now()
        cls.write(sales, {'dms_stage': stage, 'dms_stage_date': now})
        cls.dms_save_events([
                cls.dms_event(s, 'stage', stage=stage, note=note)
                for s in sales])

    @classmethod
    @ModelView.button
    def dms_start_production(cls, sales):
        "Staff: the goods of the confirmed orders are being made"
        cls._dms_check_stage(sales, 'confirmed', 'in_production')
        cls._dms_set_stage(sales, 'in_production')

    @classmethod
    @ModelView.button
    def dms_deliver(cls, sales, note=None):
        "Staff or the dealer: the shipped orders reached the dealer"
        cls._dms_check_stage(sales, 'shipped', 'delivered')
        cls._dms_set_stage(sales, 'delivered', note=note)

    @classmethod
    def get_dms_supply_note(cls, sales, name):
        pool = Pool()
        ShipmentOut = pool.get('stock.shipment.out')
        User = pool.get('res.user')
        if User.get_dealer():
            # The demand of other dealers' orders waiting for the same
            # stock is the factory's business
            return {s.id: gettext('dms_orders.msg_alert_unallocated')
                if s.dms_unallocated else None for s in sales}
        return ShipmentOut.dms_waiting_notes(sales)
