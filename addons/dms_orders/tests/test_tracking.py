# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Fulfilment tracking, alerts, priority supply and replenishment suggestions"
import datetime as dt
from decimal import Decimal

from dms_dealer.tests.tools import create_dealer, create_tier
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

TODAY = dt.date.today()


def days(n):
    return TODAY + dt.timedelta(days=n)


class TrackingTestMixin:
    "Test the tracking of dealer orders"

    def confirm(self, sale):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Sale.confirm([sale])
        Sale.process([sale])
        return Sale(sale.id)

    def new_order(self, reference='PO-1', dealer='A', lines=None, **extra):
        pool = Pool()
        Sale = pool.get('sale.sale')
        result, = self.submit([self.order(
                    reference, dealer=dealer, lines=lines, **extra)])
        self.assertEqual(result['status'], 'accepted', result)
        return Sale(result['sale'])

    def accept_backorders(self):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        config = Configuration(1)
        config.backorder_policy = 'accept'
        config.check_credit_limit = False
        config.save()

    def timeline(self, sale):
        pool = Pool()
        Sale = pool.get('sale.sale')
        sale = Sale(sale.id)
        return [(e.kind, e.stage or e.date_value or e.note)
            for e in sale.dms_events]

    def ship(self, shipment, carrier=None, tracking=None):
        pool = Pool()
        ShipmentOut = pool.get('stock.shipment.out')
        ShipmentOut.write([shipment], {
                'carrier': carrier.id if carrier else None,
                'tracking_number': tracking,
                })
        ShipmentOut.pick([shipment])
        ShipmentOut.pack([shipment])
        ShipmentOut.do([shipment])

    def create_carrier(self):
        pool = Pool()
        Carrier = pool.get('carrier')
        Party = pool.get('party.party')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        template, = Template.create([{
                    'name': "Freight", 'type': 'service',
                    'default_uom': unit.id, 'list_price': Decimal(0),
                    'products': [('create', [{}])],
                    }])
        party, = Party.create([{'name': "SF Express"}])
        carrier, = Carrier.create([{
                    'party': party.id,
                    'carrier_product': template.products[0].id,
                    }])
        return carrier

    def dealer_order_tabs(self):
        """The dealer orders of each tab of the list Dealers > Dealer Orders,
        in the order of the tabs, and the list's order under 'order'"""
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        Sale = pool.get('sale.sale')
        action = ActWindow(ModelData.get_id(
                'dms_orders', 'act_dealer_order_form'))
        decode = PYSONDecoder().decode
        tabs = {}
        for tab in sorted(action.act_window_domains,
                key=lambda d: d.sequence):
            tabs[tab.name] = set(Sale.search(
                    [decode(action.domain), decode(tab.domain or '[]')]))
        tabs['order'] = [tuple(o) for o in decode(action.order)]
        return tabs

    @with_transaction()
    def test_stage_flow(self):
        "An order goes from received to delivered with its timeline"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Configuration = pool.get('dms.configuration')
        self.setup_network()
        config = Configuration(1)
        config.transit_days = 3
        config.save()
        sale = self.new_order(requested_date=days(5).isoformat())
        self.assertEqual(sale.dms_stage, 'received')
        event, = sale.dms_events
        self.assertEqual(
            (event.kind, event.stage, event.origin, event.user),
            ('stage', 'received', 'integration', self.erp_factory))

        sale = self.confirm(sale)
        self.assertEqual(sale.dms_stage, 'confirmed')
        # The requested date plus the transit days
        self.assertEqual(sale.promised_date, days(8))
        # The ETA follows the shipment (planned today: no lead time)
        shipment, = sale.shipments
        self.assertEqual(
            (shipment.state, shipment.planned_date), ('waiting', TODAY))
        self.assertEqual(sale.eta, days(3))

        # The ETA follows the planned date of the shipment
        shipment.planned_date = days(7)
        shipment.save()
        sale = Sale(sale.id)
        self.assertEqual(sale.eta, days(10))

        Sale.dms_start_production([sale])
        self.assertEqual(sale.dms_stage, 'in_production')

        pool.get('stock.shipment.out').assign_try([shipment])
        sale = Sale(sale.id)
        self.assertEqual(sale.dms_stage, 'ready')

        carrier = self.create_carrier()
        self.ship(shipment, carrier, 'SF123456')
        sale = Sale(sale.id)
        self.assertEqual(sale.dms_stage, 'shipped')
        self.assertEqual(sale.eta, TODAY + dt.timedelta(days=3))

        Sale.dms_deliver([sale])
        sale = Sale(sale.id)
        self.assertEqual(sale.dms_stage, 'delivered')
        self.assertEqual(self.timeline(sale), [
                ('stage', 'received'),
                ('stage', 'confirmed'),
                ('promised', days(8)),
                ('eta', days(3)),
                ('eta', days(10)),
                ('stage', 'in_production'),
                ('stage', 'ready'),
                ('stage', 'shipped'),
                ('eta', days(3)),
                ('shipment', 'done'),
                ('stage', 'delivered'),
                ])
        shipped = [e for e in sale.dms_events if e.kind == 'shipment'][0]
        self.assertIn('SF Express', shipped.description)
        self.assertIn('SF123456', shipped.description)
        # The staff's buttons, Tryton's own flows (a cron, the queue) and
        # the integrators are told apart
        self.assertEqual(
            [(e.origin, e.user) for e in sale.dms_events][-1],
            ('staff', pool.get('res.user')(Transaction().user)))

    @with_transaction()
    def test_stage_moves_refused(self):
        "Manual stage moves that skip or reverse the order are refused"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        sale = self.new_order()
        with self.assertRaisesRegex(UserError, "cannot move to Delivered"):
            Sale.dms_deliver([sale])
        sale = self.confirm(sale)
        events = len(sale.dms_events)
        with self.assertRaisesRegex(UserError, "cannot move to Delivered"):
            Sale.dms_deliver([sale])
        Sale.dms_start_production([sale])
        with self.assertRaisesRegex(UserError, "cannot move to In Production"):
            Sale.dms_start_production([sale])
        sale = Sale(sale.id)
        self.assertEqual(sale.dms_stage, 'in_production')
        self.assertEqual(len(sale.dms_events), events + 1)
        # A cancelled order stays cancelled
        other = self.new_order('PO-2')
        Sale.cancel([other])
        self.assertEqual(Sale(other.id).dms_stage, 'cancelled')
        with self.assertRaises(UserError):
            Sale.dms_start_production([other])

    @with_transaction()
    def test_eta_past_refused(self):
        "Planners cannot set an ETA in the past"
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_network()
        sale = self.confirm(self.new_order())
        with Transaction().set_context(_check_access=True):
            with self.assertRaisesRegex(UserError, "in the past"):
                Sale.write([sale], {'eta': days(-1)})
            Sale.write([sale], {'eta': days(20)})
        sale = Sale(sale.id)
        self.assertEqual(sale.eta, days(20))
        event = sale.dms_events[-1]
        self.assertEqual(
            (event.kind, event.date_value, event.origin),
            ('eta', days(20), 'staff'))
        # The stock allocated and picked: the planner's ETA stays
        shipment, = sale.shipments
        ShipmentOut = pool.get('stock.shipment.out')
        ShipmentOut.assign_try([shipment])
        ShipmentOut.pick([shipment])
        sale = Sale(sale.id)
        self.assertEqual(sale.dms_stage, 'ready')
        self.assertEqual(sale.eta, days(20))
        # A new planned date of the shipment is followed again
        ShipmentOut.write([shipment], {'planned_date': days(2)})
        transit = pool.get('dms.configuration')(1).transit_days or 0
        self.assertEqual(Sale(sale.id).eta, days(2 + transit))

    @with_transaction()
    def test_alerts(self):
        "The scan raises one alert per cause and closes it once resolved"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Alert = pool.get('dms.order.alert')
        Notification = pool.get('res.notification')
        Queue = pool.get('ir.queue')
        ShipmentOut = pool.get('stock.shipment.out')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        User = pool.get('res.user')
        Configuration = pool.get('dms.configuration')
        self.setup_network()
        rep_party, = Party.create([{'name': "Rep"}])
        rep, = Employee.create([{
                    'party': rep_party.id, 'company': self.company.id}])
        rep_user, = User.create([{
                    'login': 'rep', 'employees': [('add', [rep.id])],
                    'employee': rep.id,
                    'companies': [('add', [self.company.id])],
                    'company': self.company.id}])
        self.dealer_a.sales_rep = rep
        self.dealer_a.save()

        late = self.confirm(self.new_order('LATE'))
        on_time = self.confirm(self.new_order('ON-TIME'))
        cancelled = self.new_order('CANCELLED')
        Sale.write([late, cancelled], {'eta': days(30)})
        Sale.cancel([cancelled])
        Alert.scan()
        alert, = Alert.search([('state', '=', 'open')])
        self.assertEqual(
            (alert.sale, alert.kind, alert.dealer), (late, 'late',
                self.dealer_a))
        self.assertIn(str(days(30).year), alert.description)
        # The sales representative is notified in the web client
        notification, = Notification.search([('user', '=', rep_user.id)])
        self.assertIn(late.number, notification.label)
        self.assertEqual(notification.model, 'dms.order.alert')
        # The dealer's mail is queued, not sent in the scan
        task, = [t for t in Queue.search([])
            if t.data['model'] == 'dms.order.alert']
        self.assertEqual(task.data['method'], 'mail_dealer')
        self.assertEqual(list(task.data['instances']), [alert.id])
        # No duplicate for the same cause
        self.assertEqual(Alert.scan(), ([], []))
        self.assertEqual(Alert.search_count([]), 1)
        self.assertEqual(self.timeline(late)[-1], ('alert', 'raised'))

        # Resolved: the ETA back within the promise
        Sale.write([late], {'eta': late.promised_date})
        new, closed = Alert.scan()
        self.assertEqual((new, closed), ([], [alert]))
        self.assertEqual(alert.state, 'closed')
        self.assertTrue(alert.closed_at)
        self.assertEqual(self.timeline(late)[-1], ('alert', 'closed'))

        # A shipment exception, until it is cleared
        shipment, = on_time.shipments
        ShipmentOut.write([shipment], {'dms_exception': "Damaged"})
        new, _ = Alert.scan()
        self.assertEqual(
            [(a.sale, a.kind) for a in new], [(on_time, 'exception')])
        self.assertIn("Damaged", new[0].description)
        ShipmentOut.write([shipment], {'dms_exception': None})
        self.assertEqual(Alert.scan()[1], new)
        self.assertEqual(
            [n for k, n in self.timeline(on_time) if k == 'shipment'],
            ['exception', 'exception_cleared'])

        # Stalled: a stage older than configured
        config = Configuration(1)
        config.stall_confirmed_days = 5
        config.stall_received_days = 1
        config.save()
        waiting = self.new_order('WAITING')
        Sale.write([on_time, waiting], {
                'dms_stage_date': dt.datetime.now() - dt.timedelta(days=6)})
        new, _ = Alert.scan()
        self.assertEqual(
            sorted((a.sale.external_reference, a.kind, a.stage) for a in new),
            [('ON-TIME', 'stalled', 'confirmed'),
                ('WAITING', 'stalled', 'received')])
        self.assertIn("5", [a for a in new if a.sale == on_time][0]
            .description)
        # Cancelling the order closes its alerts
        Sale.cancel([waiting])
        self.assertEqual(
            [a.sale for a in Alert.scan()[1]], [waiting])
        self.assertEqual(
            Alert.search_count([('state', '=', 'open')]), 1)

        # The dealer orders list opens on the orders to handle: the new
        # ones (quotations) and those with an open alert
        new_order = self.new_order('NEW')
        tabs = self.dealer_order_tabs()
        self.assertEqual(list(tabs)[0], "To Handle")
        self.assertEqual(tabs["To Handle"], {new_order, on_time})
        self.assertEqual(tabs["Quotation"], {new_order})
        self.assertEqual(tabs["Confirmed"], set())
        self.assertEqual(tabs["Processing"], {late, on_time})
        # The newest first: dated when submitted
        self.assertEqual(tabs['order'][:2], [
                ('sale_date', 'DESC NULLS LAST'), ('id', 'DESC')])

        # Damage found on arrival: a delivered order gets the alert too
        ShipmentOut.assign_try([shipment])
        self.ship(shipment)
        Sale.dms_deliver([on_time])
        ShipmentOut.write([shipment], {'dms_exception': "Broken on arrival"})
        new, closed = Alert.scan()
        self.assertEqual([(a.sale, a.kind, a.stage) for a in new],
            [(on_time, 'exception', 'delivered')])
        self.assertEqual([(a.sale, a.kind) for a in closed],
            [(on_time, 'stalled')])

    @with_transaction()
    def test_priority_supply(self):
        "Scarce stock goes to the higher tier first, then to older orders"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Cron = pool.get('ir.cron')
        Dealer = pool.get('dms.dealer')
        self.setup_network(stock={'AC-1': 10})
        self.accept_backorders()
        platinum = create_tier(self.company, 'PLATINUM', supply_priority=30)
        self.gold.supply_priority = 20
        self.gold.save()
        self.silver.supply_priority = 10
        self.silver.save()
        dealer_p = create_dealer(self.company, 'P', tier=platinum)
        dealer_s2 = create_dealer(self.company, 'S2', tier=self.silver)
        Dealer.activate([dealer_p, dealer_s2])
        line = [{'product_code': 'AC-1', 'quantity': 4}]
        # The lowest tier orders first, the highest last
        orders = {}
        # and the newer Silver order is created before the older one
        for reference, dealer, date in [
                ('SILVER-NEW', 'S2', days(-1)), ('SILVER-OLD', 'B', days(-3)),
                ('GOLD', 'A', days(-2)), ('PLATINUM', 'P', days(0))]:
            sale = self.new_order(reference, dealer=dealer, lines=line)
            sale.sale_date = date
            sale.save()
            orders[reference] = self.confirm(sale)
        Cron.stock_shipment_assign_try()
        stages = {r: Sale(s.id).dms_stage for r, s in orders.items()}
        self.assertEqual(stages, {
                'PLATINUM': 'ready', 'GOLD': 'ready',
                'SILVER-OLD': 'confirmed', 'SILVER-NEW': 'confirmed'})
        # The older Silver order got what was left (2 of 4), the newer none
        old, = orders['SILVER-OLD'].shipments
        new, = orders['SILVER-NEW'].shipments
        self.assertEqual(sum(
                m.quantity for m in old.inventory_moves
                if m.state == 'assigned'), 2)
        self.assertFalse(
            [m for m in new.inventory_moves if m.state == 'assigned'])
        # Staff see why each waits
        old_sale = Sale(orders['SILVER-OLD'].id)
        new_sale = Sale(orders['SILVER-NEW'].id)
        self.assertTrue(old_sale.dms_unallocated)
        self.assertTrue(new_sale.dms_unallocated)
        self.assertIn("2 u needed", old_sale.dms_supply_note)
        self.assertIn("0 u waiting", old_sale.dms_supply_note)
        self.assertIn("4 u needed", new_sale.dms_supply_note)
        self.assertIn("2 u waiting", new_sale.dms_supply_note)
        self.assertIsNone(Sale(orders['GOLD'].id).dms_supply_note)
        # The scan raises a 'waiting for stock' alert on both; the dealer
        # reads that it waits, not the demand of the others
        Alert = pool.get('dms.order.alert')
        new, _ = Alert.scan()
        self.assertEqual(
            sorted((a.sale.external_reference, a.kind) for a in new),
            [('SILVER-NEW', 'unallocated'), ('SILVER-OLD', 'unallocated')])
        for alert in new:
            self.assertIn("waiting for orders served first",
                alert.description)
            self.assertEqual(alert.dealer_description,
                "The order waits for stock.")
        # More stock: the next run serves them and the alerts close
        self.add_stock({'AC-1': 6})
        Cron.stock_shipment_assign_try()
        self.assertFalse(Sale(orders['SILVER-NEW'].id).dms_unallocated)
        self.assertEqual(sorted(Alert.scan()[1]), sorted(new))

    @with_transaction()
    def test_suggestions(self):
        "Suggestions from a synthetic history with a known answer"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Suggestion = pool.get('dms.order.suggestion')
        Dealer = pool.get('dms.dealer')
        Template = pool.get('product.template')
        self.setup_network()
        self.accept_backorders()

        def history(dealer, code, quantities_days):
            for quantity, ago in quantities_days:
                result, = self.submit([self.order(
                            'H-%s-%s-%s' % (dealer, code, ago),
                            dealer=dealer, lines=[{
                                    'product_code': code,
                                    'quantity': quantity}])])
                self.assertEqual(result['status'], 'accepted', result)
                sale = Sale(result['sale'])
                Sale.confirm([sale])
                Sale.write([sale], {'sale_date': days(-ago)})
        # A: 40 AC-1 every 28 days, last 35 days ago: due
        history('A', 'AC-1', [(40, 35 + 28 * i) for i in range(5)])
        # A: FR-1 every 28 days, last 3 days ago: not due
        history('A', 'FR-1', [(10, 3 + 28 * i) for i in range(5)])
        # A: GOLD-ONLY twice only: not regular
        history('A', 'GOLD-ONLY', [(1, 40), (1, 80)])
        # B: FR-1 (minimum 2, multiple 2) 6 every 10 days over 14 months,
        # 16 more twice in the coming weeks a year ago: seasonal
        history('B', 'FR-1', [(6, 10 * i + 12) for i in range(42)]
            + [(16, 365 - 10), (16, 365 - 30)])
        count = Suggestion.compute()
        suggestions = {
            (s.dealer.code, s.product.code): s for s in Suggestion.search([])}
        self.assertEqual(count, 2)
        self.assertEqual(
            set(suggestions), {('A', 'AC-1'), ('B', 'FR-1')})
        ac = suggestions[('A', 'AC-1')]
        self.assertEqual(
            (ac.quantity, ac.orders, ac.interval_days, ac.last_order_date,
                ac.seasonal_factor),
            (40, 5, 28, days(-35), 1))
        # For the factory's staff; the dealer reads it in the second person
        self.assertEqual(ac.reason,
            "Orders about 40 every 4 weeks; last order 5 weeks ago.")
        self.assertEqual(ac.dealer_reason(),
            "You order about 40 every 4 weeks; last order 5 weeks ago.")
        fr = suggestions[('B', 'FR-1')]
        # 68 in the 8 weeks a year ago against 248 over the year
        self.assertAlmostEqual(fr.seasonal_factor, 68 / (248 * 56 / 365), 3)
        self.assertAlmostEqual(fr.average_quantity, 284 / 44, 3)
        # 6.45 x 1.79 = 11.6, rounded up to the multiple of 2
        self.assertEqual((fr.orders, fr.quantity), (44, 12))
        self.assertIn("Last year", fr.reason)

        # An order just placed (a quotation, not confirmed yet) counts:
        # AC-1 is no longer due for A
        result, = self.submit([self.order('JUST-NOW', dealer='A', lines=[
                        {'product_code': 'AC-1', 'quantity': 40}])])
        self.assertEqual(Sale(result['sale']).state, 'quotation')
        Suggestion.compute([self.dealer_a])
        self.assertEqual(
            Suggestion.search_count([('dealer', '=', self.dealer_a.id)]), 0)
        self.assertEqual(
            Suggestion.search_count([('dealer', '=', self.dealer_b.id)]), 1)

        # Inactive products and suspended dealers get none
        Template.write([self.products['AC-1'].template], {'active': False})
        Dealer.suspend([self.dealer_b])
        self.assertEqual(Suggestion.compute(), 0)
        self.assertEqual(Suggestion.search_count([]), 0)
