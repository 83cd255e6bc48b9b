# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The planning views against an independent computation

A generated data set (dealer orders dated in past, current and coming
weeks, a week 53, partial shipments, a cancelled and ignored move, stock
and incoming supply, orders of a customer that is no dealer, quotations,
an order of another warehouse) is summed up again in Python from Tryton's
records (the moves of each line, the outgoing moves of each shipment, the
quantities of Tryton's stock computation) and compared with the rows of
the views, under each filter of their contexts."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dms_orders.tests.test_intake import IntakeTestMixin
from dms_orders.tests.test_tracking import TrackingTestMixin
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

EPSILON = 1e-6
PLACES = 6


def monday(date):
    return date - dt.timedelta(days=date.weekday())


def week_53_monday(today):
    """The Monday of the next ISO week 53 two weeks or more ahead (late
    December 2026 when the test runs before mid-December 2026)"""
    year = today.year
    while True:
        date = dt.date(year, 12, 28)
        if (date.isocalendar()[1] == 53
                and monday(date) >= monday(today) + dt.timedelta(days=14)):
            return monday(date)
        year += 1


class PlanningTestMixin:
    "Test the planning views"
    create_carrier = TrackingTestMixin.create_carrier

    def planning_data(self):
        """The data set: dealers A (Gold) and B (Silver) in territories
        North / North-East and South, dealer C without orders, a customer
        that is no dealer, products in categories, stock, incoming supply
        and orders in every state"""
        pool = Pool()
        Date = pool.get('ir.date')
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Territory = pool.get('dms.territory')
        Dealer = pool.get('dms.dealer')
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Party = pool.get('party.party')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        Address = pool.get('party.address')
        from dms_dealer.tests.tools import create_dealer

        IntakeTestMixin.setup_network(self, stock={'AC-1': 10, 'FR-1': 7})
        company = self.company
        self.today = Date.today()
        self.week = monday(self.today)
        self.warehouse, = Location.search([('type', '=', 'warehouse')])
        supplier, = Location.search([('code', '=', 'SUP')])

        north, south = Territory.create([
                {'name': "North", 'code': 'N', 'level': 'region'},
                {'name': "South", 'code': 'S', 'level': 'region'}])
        north_east, = Territory.create([{
                    'name': "North-East", 'code': 'NE', 'level': 'province',
                    'parent': north.id}])
        self.north, self.north_east, self.south = north, north_east, south
        Dealer.write([self.dealer_a], {'territory': north_east.id})
        Dealer.write([self.dealer_b], {'territory': south.id})
        self.dealer_c = create_dealer(company, 'C', tier=self.silver)
        Dealer.activate([self.dealer_c])
        self.customer, = Party.create([{
                    'name': "Walk-in", 'addresses': [('create', [{}])]}])

        country, = Country.create([{'name': "China", 'code': 'CN'}])
        guangdong, zhejiang = Subdivision.create([
                {'name': "Guangdong", 'code': 'CN-GD', 'type': 'province',
                    'country': country.id},
                {'name': "Zhejiang", 'code': 'CN-ZJ', 'type': 'province',
                    'country': country.id}])
        self.country = country
        self.guangdong, self.zhejiang = guangdong, zhejiang
        Address.write(list(self.dealer_a.party.addresses), {
                'country': country.id, 'subdivision': guangdong.id})
        Address.write(list(self.dealer_b.party.addresses), {
                'country': country.id, 'subdivision': zhejiang.id})

        cooling, = Category.create([{'name': "Cooling"}])
        fridges, = Category.create([{
                    'name': "Fridges", 'parent': cooling.id}])
        self.cooling, self.fridges = cooling, fridges
        products = self.products
        # Shipped from the requested dates (without lead time, Tryton plans
        # the shipments for the day of the order)
        Template.write([p.template for p in products.values()], {
                'lead_time': dt.timedelta(0)})
        Template.write([products['AC-1'].template], {
                'categories': [('add', [cooling.id])]})
        Template.write([products['FR-1'].template], {
                'categories': [('add', [fridges.id])]})
        # A second warehouse: its orders and moves are not ours
        self.other_warehouse = self.create_warehouse()

        week, week53 = self.week, week_53_monday(self.today)
        self.week53 = week53
        days = dt.timedelta

        # Incoming supply: planned moves from the supplier, one late, one
        # undated (not planned), one done (stock), one cancelled, one into
        # the other warehouse
        def incoming(code, quantity, date, state='draft', warehouse=None):
            warehouse = warehouse or self.warehouse
            return {
                'product': products[code].id,
                'unit': products[code].default_uom.id,
                'quantity': quantity,
                'from_location': supplier.id,
                'to_location': warehouse.input_location.id,
                'planned_date': date,
                'company': company.id,
                'unit_price': Decimal(1),
                'currency': company.currency.id,
                }
        moves = Move.create([
                incoming('AC-1', 4, week + days(8)),
                incoming('AC-1', 3, week - days(10)),
                incoming('FR-1', 5, week53 + days(2)),
                incoming('FR-1', 6, None),
                incoming('GOLD-ONLY', 2, week + days(15)),
                incoming('AC-1', 50, week + days(8),
                    warehouse=self.other_warehouse),
                incoming('OFF', 9, week + days(1)),
                ])
        cancelled = Move.create([incoming('AC-1', 100, week + days(8))])
        Move.cancel(cancelled)
        Move.assign([moves[2]])

        dealer_a, dealer_b = self.dealer_a, self.dealer_b
        self.sales = {}
        sale = self.planning_sale
        # Late: requested two weeks ago, partly shipped
        self.sales['late'] = sale(dealer_a, [('AC-1', 6)],
            requested=week - days(14), promised=week - days(12),
            ship=[('AC-1', 2)])
        # This week and the next
        self.sales['now'] = sale(dealer_b, [('AC-1', 5), ('FR-1', 4)],
            requested=week, promised=week)
        self.sales['next'] = sale(dealer_a, [('FR-1', 6), ('GOLD-ONLY', 3)],
            requested=week + days(7), promised=week + days(9))
        # Promised later than requested: the promised date counts
        self.sales['promised'] = sale(dealer_b, [('AC-1', 8)],
            requested=week + days(3), promised=week + days(21))
        # Week 53 and the week after (the first of the next ISO year)
        self.sales['week53'] = sale(dealer_a, [('FR-1', 10)],
            requested=week53 + days(2), promised=week53 + days(6))
        self.sales['week1'] = sale(dealer_b, [('FR-1', 2), ('AC-1', 1)],
            requested=week53 + days(7), promised=week53 + days(7))
        # Sold in dozens: 2 dozens of AC-1 are 24 units
        self.sales['dozen'] = sale(dealer_b, [('AC-1', 2, self.dozen())],
            requested=week + days(9), promised=week + days(9))
        # Confirmed but not processed: no shipment yet
        self.sales['confirmed'] = sale(dealer_a, [('AC-1', 1)],
            requested=week, promised=week, state='confirmed')
        # A quotation (counted on demand) and a draft (never)
        self.sales['quotation'] = sale(dealer_b, [('AC-1', 7)],
            requested=week + days(2), state='quotation')
        self.sales['draft'] = sale(dealer_b, [('AC-1', 70)],
            requested=week + days(2), state='draft')
        # Shipped in full: nothing left
        self.sales['done'] = sale(dealer_a, [('FR-1', 1)],
            requested=week + days(1), ship=[('FR-1', 1)])
        # A move cancelled and ignored: nothing left of it
        self.sales['ignored'] = sale(dealer_b, [('FR-1', 4)],
            requested=week + days(4), ignore=True)
        # Cancelled
        self.sales['cancelled'] = sale(dealer_a, [('AC-1', 40)],
            requested=week + days(2), state='cancelled')
        # Of a customer that is no dealer: shipments only
        self.sales['walk_in'] = sale(self.customer, [('AC-1', 2)],
            requested=week + days(2))
        # Of the other warehouse
        self.sales['other'] = sale(dealer_a, [('AC-1', 30)],
            requested=week + days(2), warehouse=self.other_warehouse)
        # A service is no demand (a line without product neither)
        self.sales['service'] = sale(dealer_b, [('SRV', 1)],
            requested=week + days(2), comment=True)

    def dozen(self):
        pool = Pool()
        Uom = pool.get('product.uom')
        unit = self.products['AC-1'].default_uom
        dozen, = Uom.create([{
                    'name': "Dozen", 'symbol': "dz",
                    'category': unit.category.id,
                    'factor': 12, 'rate': round(1 / 12, 12),
                    'rounding': 1, 'digits': 0}])
        return dozen

    def create_warehouse(self):
        pool = Pool()
        Location = pool.get('stock.location')
        input_, output, storage = Location.create([
                {'name': "Input 2", 'type': 'storage'},
                {'name': "Output 2", 'type': 'storage'},
                {'name': "Storage 2", 'type': 'storage'}])
        warehouse, = Location.create([{
                    'name': "Warehouse 2", 'code': 'WH2',
                    'type': 'warehouse',
                    'input_location': input_.id,
                    'output_location': output.id,
                    'storage_location': storage.id}])
        Location.write([input_, output, storage], {'parent': warehouse.id})
        return warehouse

    def planning_sale(self, customer, lines, requested=None, promised=None,
            state='processing', ship=None, ignore=False, warehouse=None,
            comment=False):
        """A sale of the dealer (or party) in the state, its shipment done
        for the quantities of ship (the rest left on a back-order) or its
        move cancelled and ignored"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Uom = pool.get('product.uom')
        Template = pool.get('product.template')
        party = getattr(customer, 'party', customer)
        address = party.addresses[0]
        products = self.products
        if 'SRV' not in products:
            unit, = Uom.search([('name', '=', 'Unit')])
            template, = Template.create([{
                        'name': "Installation", 'type': 'service',
                        'salable': True, 'list_price': Decimal(50),
                        'default_uom': unit.id, 'sale_uom': unit.id,
                        'code': 'SRV',
                        'account_category': products[
                            'AC-1'].account_category.id,
                        'products': [('create', [{}])]}])
            products['SRV'] = template.products[0]
        values = []
        for code, quantity, *unit in lines:
            product = products[code]
            unit = unit[0] if unit else product.sale_uom
            values.append({
                    'product': product.id,
                    'quantity': quantity,
                    'unit': unit.id,
                    'unit_price': Decimal(10),
                    })
        if comment:
            values.append({'type': 'comment', 'description': "Note"})
        sale, = Sale.create([{
                    'party': party.id,
                    'company': self.company.id,
                    'warehouse': (warehouse or self.warehouse).id,
                    'invoice_address': address.id,
                    'shipment_address': address.id,
                    'sale_date': self.today - dt.timedelta(days=30),
                    'shipping_date': requested,
                    'promised_date': promised,
                    'lines': [('create', values)],
                    }])
        if state == 'draft':
            return sale
        Sale.quote([sale])
        if state == 'quotation':
            return sale
        if state == 'cancelled':
            Sale.cancel([sale])
            return sale
        Sale.confirm([sale])
        if state == 'confirmed':
            return Sale(sale.id)
        Sale.process([sale])
        sale = Sale(sale.id)
        if ship:
            self.ship_partly(sale, dict(ship))
        if ignore:
            ShipmentOut = pool.get('stock.shipment.out')
            shipment, = sale.shipments
            ShipmentOut.cancel([shipment])
            Line.write(list(sale.lines), {
                    'moves_ignored': [('add', [
                                m.id for l in sale.lines for m in l.moves])]})
            Sale.process([sale])
        return Sale(sale.id)

    def ship_partly(self, sale, quantities):
        """Ship the quantities per product code of the sale's shipment: the
        rest goes to a back-order shipment"""
        pool = Pool()
        ShipmentOut = pool.get('stock.shipment.out')
        Move = pool.get('stock.move')
        Sale = pool.get('sale.sale')
        shipment, = sale.shipments
        for move in shipment.inventory_moves:
            quantity = quantities[move.product.code]
            if quantity != move.quantity:
                Move.write([move], {'quantity': quantity})
        ShipmentOut.assign_force([shipment])
        ShipmentOut.pick([shipment])
        ShipmentOut.pack([shipment])
        ShipmentOut.do([shipment])
        Sale.process([Sale(sale.id)])

    # The independent computation

    def expected_demand(self, warehouse=None, dealers=None, products=None,
            quotations=False, from_week=None, to_week=None):
        """{(product, week): (orders, demand, incoming, stock, projected,
        shortfall)} from Tryton's records"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Product = pool.get('product.product')
        Uom = pool.get('product.uom')
        warehouse = warehouse or self.warehouse
        week = self.week

        def week_of(date):
            if not date or date < week:
                return week
            return monday(date)
        states = ['confirmed', 'processing'] + (
            ['quotation'] if quotations else [])
        demand = defaultdict(float)
        orders = defaultdict(set)
        for sale in Sale.search([('company', '=', self.company.id)]):
            if (not sale.dealer or sale.state not in states
                    or sale.warehouse != warehouse
                    or (dealers is not None and sale.dealer not in dealers)):
                continue
            for line in sale.lines:
                if (line.type != 'line' or not line.product
                        or line.quantity <= 0
                        or line.product.type not in {'goods', 'assets'}
                        or (products is not None
                            and line.product not in products)):
                    continue
                quantity = Uom.compute_qty(line.unit, line.quantity,
                    line.product.default_uom, round=False)
                quantity -= sum(m.internal_quantity for m in line.moves
                    if m.state == 'done')
                quantity -= sum(m.internal_quantity
                    for m in line.moves_ignored)
                if quantity > EPSILON:
                    key = (line.product, week_of(
                            sale.promised_date or sale.shipping_date))
                    demand[key] += quantity
                    orders[key].add(sale)
        demanded = {p for p, _ in demand}
        locations = set(Location.search([
                    ('parent', 'child_of', [warehouse.id])]))
        incoming = defaultdict(float)
        for move in Move.search([
                    ('company', '=', self.company.id),
                    ('state', 'in', ['draft', 'assigned']),
                    ('planned_date', '!=', None),
                    ]):
            if (move.to_location in locations
                    and move.from_location not in locations
                    and move.product in demanded):
                incoming[(move.product, week_of(move.planned_date))] += (
                    move.internal_quantity)
        with Transaction().set_context(
                stock_date_end=self.today, company=self.company.id):
            on_hand = Product.products_by_location(
                [warehouse.id], with_childs=True,
                grouping_filter=([p.id for p in demanded],))
        result = {}
        for product in demanded:
            stock = on_hand.get((warehouse.id, product.id), 0)
            weeks = sorted({w for p, w in set(demand) | set(incoming)
                    if p == product})
            total = stock
            for week_ in weeks:
                key = (product, week_)
                total += incoming.get(key, 0) - demand.get(key, 0)
                if ((from_week and week_ < monday(from_week))
                        or (to_week and week_ > to_week)):
                    continue
                result[(product.id, week_)] = (
                    len(orders[key]), demand.get(key, 0),
                    incoming.get(key, 0), stock, total,
                    max(-total, 0) if -total > EPSILON else 0)
        return result

    def expected_shipments(self, dealers=None, carrier=None,
            quotations=False, from_date=None, to_date=None, warehouse=None):
        """{(date, territory, country, subdivision, carrier): (shipments,
        orders, quantity, late)} from Tryton's records"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        ShipmentOut = pool.get('stock.shipment.out')
        Dealer = pool.get('dms.dealer')
        Uom = pool.get('product.uom')
        today = self.today
        warehouse = warehouse or self.warehouse

        def day_of(date):
            return today if not date or date < today else date

        def id_(record):
            return record.id if record else None
        rows = defaultdict(lambda: [0, 0, 0.0, 0])

        def add(date, dealer, address, carrier_, shipments, orders,
                quantity):
            day = day_of(date)
            if ((from_date and day < from_date)
                    or (to_date and day > to_date)):
                return
            row = rows[(day, id_(dealer.territory if dealer else None),
                    id_(address.country if address else None),
                    id_(address.subdivision if address else None),
                    id_(carrier_))]
            row[0] += shipments
            row[1] += orders
            row[2] += quantity
            row[3] += 1 if date and date < today else 0

        def wanted(dealer, carrier_):
            return ((dealers is None or dealer in dealers)
                and (carrier is None or carrier_ == carrier))
        for shipment in ShipmentOut.search([
                    ('company', '=', self.company.id),
                    ('warehouse', '=', warehouse.id),
                    ('state', 'in', [
                            'draft', 'waiting', 'assigned', 'picked',
                            'packed']),
                    ]):
            dealer = Dealer.search([('party', '=', shipment.customer.id)])
            dealer = dealer[0] if dealer else None
            if not wanted(dealer, shipment.carrier):
                continue
            add(shipment.planned_date, dealer, shipment.delivery_address,
                shipment.carrier, 1, 0, sum(m.internal_quantity
                    for m in shipment.outgoing_moves
                    if m.state != 'cancelled'))
        states = ['confirmed', 'processing'] + (
            ['quotation'] if quotations else [])
        for sale in Sale.search([
                    ('company', '=', self.company.id),
                    ('warehouse', '=', warehouse.id),
                    ('state', 'in', states),
                    ]):
            if not wanted(sale.dealer, None):
                continue
            quantity = 0
            for line in sale.lines:
                if (line.type != 'line' or not line.product
                        or line.quantity <= 0
                        or line.product.type not in {'goods', 'assets'}):
                    continue
                left = Uom.compute_qty(line.unit, line.quantity,
                    line.product.default_uom, round=False)
                left -= sum(m.internal_quantity for m in line.moves
                    if m.state != 'cancelled')
                left -= sum(m.internal_quantity for m in line.moves_ignored)
                if left > EPSILON:
                    quantity += left
            if quantity > EPSILON:
                add(sale.promised_date or sale.shipping_date, sale.dealer,
                    sale.shipment_address, None, 0, 1, quantity)
        return {k: tuple(v) for k, v in rows.items()}

    # The views

    def demand_rows(self, **context):
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        context.setdefault('company', self.company.id)
        context.setdefault('warehouse', self.warehouse.id)
        with Transaction().set_context(**context):
            records = Demand.search([])
            return {(r.product.id, r.week): (
                    r.orders, r.demand, r.incoming, r.stock, r.projected,
                    r.shortfall) for r in records}

    def shipment_rows(self, **context):
        pool = Pool()
        Shipment = pool.get('dms.planning.shipment')
        context.setdefault('company', self.company.id)
        context.setdefault('warehouse', self.warehouse.id)

        def id_(record):
            return record.id if record else None
        with Transaction().set_context(**context):
            return {(r.date, id_(r.territory), id_(r.country),
                    id_(r.subdivision), id_(r.carrier)): (
                    r.shipments, r.orders, r.quantity, r.late)
                for r in Shipment.search([])}

    def assertRowsEqual(self, rows, expected):
        self.assertEqual(set(rows), set(expected))
        for key, values in expected.items():
            with self.subTest(key=key):
                for value, expected_value in zip(rows[key], values):
                    self.assertAlmostEqual(
                        value, expected_value, places=PLACES)

    # The tests

    @with_transaction()
    def test_planning_demand(self):
        "Test the demand planning against the independent computation"
        self.planning_data()
        products = self.products
        rows = self.demand_rows()
        expected = self.expected_demand()
        self.assertRowsEqual(rows, expected)
        week, week53 = self.week, self.week53
        ac, fr = products['AC-1'].id, products['FR-1'].id
        # The known answers of the data set
        # AC-1: 10 received, 2 shipped: 8 on hand; late 6-2 (this week,
        # with the late incoming 3) + now 5 + confirmed 1 = 10 this week:
        # 8 + 3 - 10 = 1 (the order requested this week and promised in
        # three weeks is not this week's)
        self.assertAlmostEqual(rows[(ac, week)][3], 8)
        self.assertAlmostEqual(rows[(ac, week)][1], 10)
        self.assertAlmostEqual(rows[(ac, week)][2], 3)
        self.assertAlmostEqual(rows[(ac, week)][4], 1)
        self.assertEqual(rows[(ac, week)][0], 3)
        # The next week: 4 incoming, 24 (2 dozens): 1 + 4 - 24 = -19
        next_week = week + dt.timedelta(days=7)
        self.assertAlmostEqual(rows[(ac, next_week)][1], 24)
        self.assertAlmostEqual(rows[(ac, next_week)][5], 19)
        # FR-1: 7 received, 1 shipped: 6 on hand, none of the undated
        # incoming; 4 now, 6 next week, 10 in week 53 with 5 incoming
        self.assertAlmostEqual(rows[(fr, week)][4], 2)
        self.assertAlmostEqual(rows[(fr, next_week)][5], 4)
        self.assertAlmostEqual(rows[(fr, week53)][1], 10)
        self.assertAlmostEqual(rows[(fr, week53)][2], 5)
        self.assertAlmostEqual(rows[(fr, week53)][5], 9)
        self.assertAlmostEqual(
            rows[(fr, week53 + dt.timedelta(days=7))][5], 11)
        # Nothing of the draft, the cancelled, the service, the walk-in
        # customer, the other warehouse, the product without demand
        self.assertNotIn(products['OFF'].id, {p for p, _ in rows})
        self.assertNotIn(products['SRV'].id, {p for p, _ in rows})

        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        with Transaction().set_context(
                company=self.company.id, warehouse=self.warehouse.id):
            record, = Demand.search([
                    ('product', '=', fr), ('week', '=', week53)])
            self.assertEqual(record.iso_week, '%s-W53' % week53.year)
            self.assertEqual(record.unit, products['FR-1'].default_uom)
            following, = Demand.search([
                    ('product', '=', fr),
                    ('week', '=', week53 + dt.timedelta(days=7))])
            self.assertEqual(following.iso_week, '%s-W01' % (
                    week53.year + 1))
            # The shortfall tab of the menu's action
            self.assertEqual(
                {(r.product.id, r.week)
                    for r in Demand.search([('shortfall', '>', 0)])},
                {k for k, v in expected.items() if v[5] > 0})

    @with_transaction()
    def test_planning_demand_filters(self):
        "Test the filters of the demand planning"
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        self.planning_data()
        products = self.products
        for context, expected in [
                ({'dealer': self.dealer_a.id},
                    {'dealers': [self.dealer_a]}),
                ({'tier': self.silver.id},
                    {'dealers': [self.dealer_b, self.dealer_c]}),
                ({'territory': self.north.id},
                    {'dealers': [self.dealer_a]}),
                ({'territory': self.south.id},
                    {'dealers': [self.dealer_b]}),
                ({'product_category': self.cooling.id},
                    {'products': [products['AC-1'], products['FR-1']]}),
                ({'product_category': self.fridges.id},
                    {'products': [products['FR-1']]}),
                ({'product': products['GOLD-ONLY'].id},
                    {'products': [products['GOLD-ONLY']]}),
                ({'include_quotations': True}, {'quotations': True}),
                ({'from_week': self.week + dt.timedelta(days=10)},
                    {'from_week': self.week + dt.timedelta(days=10)}),
                ({'to_week': self.week53},
                    {'to_week': self.week53}),
                ({'from_week': self.week53 + dt.timedelta(days=3),
                        'to_week': self.week53 + dt.timedelta(days=8)},
                    {'from_week': self.week53 + dt.timedelta(days=3),
                        'to_week': self.week53 + dt.timedelta(days=8)}),
                ({'warehouse': self.other_warehouse.id},
                    {'warehouse': self.other_warehouse}),
                ]:
            with self.subTest(context=context):
                rows = self.demand_rows(**context)
                self.assertTrue(rows)
                self.assertRowsEqual(rows, self.expected_demand(**expected))
        # The quotation adds its 7 to this week
        ac = products['AC-1'].id
        self.assertAlmostEqual(
            self.demand_rows(include_quotations=True)[(ac, self.week)][1],
            self.demand_rows()[(ac, self.week)][1] + 7)
        # Filters that match nothing, empty filters, huge ranges, a week
        # from the past: no error
        for context in [
                {'dealer': self.dealer_c.id},
                {'product': products['OFF'].id},
                {'from_week': dt.date(9999, 12, 31)},
                {'to_week': dt.date(1, 1, 1)},
                {'from_week': dt.date(2000, 1, 1),
                    'to_week': dt.date(1999, 1, 1)},
                {'warehouse': None, 'company': None},
                ]:
            with self.subTest(context=context):
                self.assertEqual(self.demand_rows(**context), {})
        for context in [
                {'from_week': dt.date(1, 1, 1),
                    'to_week': dt.date(9999, 12, 31)},
                {'from_week': None, 'to_week': None, 'dealer': None,
                    'tier': None, 'territory': None,
                    'product_category': None, 'product': None},
                ]:
            with self.subTest(context=context):
                self.assertRowsEqual(
                    self.demand_rows(**context), self.expected_demand())
        # Counting, ordering and grouping like any list
        with Transaction().set_context(
                company=self.company.id, warehouse=self.warehouse.id):
            self.assertEqual(
                Demand.search_count([]), len(self.expected_demand()))
            records = Demand.search([], order=[('shortfall', 'DESC')])
            self.assertEqual(
                [r.shortfall for r in records],
                sorted((r.shortfall for r in records), reverse=True))
            self.assertEqual(Demand.search([
                        ('week', '>=', dt.date(9999, 1, 1))]), [])

    @with_transaction()
    def test_planning_demand_drill_down(self):
        "Test the demand drill-down opens the order lines and moves behind"
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        Line = pool.get('sale.line')
        Move = pool.get('stock.move')
        OpenLines = pool.get('dms.planning.demand.open_lines', type='wizard')
        OpenMoves = pool.get('dms.planning.demand.open_moves', type='wizard')
        self.planning_data()
        ac = self.products['AC-1']
        with Transaction().set_context(
                company=self.company.id, warehouse=self.warehouse.id):
            record, = Demand.search([
                    ('product', '=', ac.id), ('week', '=', self.week)])
            lines = Line.browse(Demand.dms_sale_lines([record]))
            self.assertEqual(
                {l.sale for l in lines},
                {self.sales[k] for k in ['late', 'now', 'confirmed']})
            self.assertTrue(all(l.product == ac for l in lines))
            moves = Move.browse(Demand.dms_incoming_moves([record]))
            self.assertEqual([m.quantity for m in moves], [3])
            for Wizard_, ids in [
                    (OpenLines, [l.id for l in lines]),
                    (OpenMoves, [m.id for m in moves])]:
                with Transaction().set_context(
                        active_model='dms.planning.demand',
                        active_id=record.id, active_ids=[record.id]):
                    session_id, _, _ = Wizard_.create()
                    result = Wizard_.execute(session_id, {}, 'open_')
                    action, = result['actions']
                    self.assertEqual(
                        action[0]['pyson_domain'],
                        '[["id", "in", [%s]]]' % ', '.join(map(str, ids)))
                    Wizard_.delete(session_id)
            # Filtered by dealer, only the dealer's lines
            with Transaction().set_context(dealer=self.dealer_b.id):
                record, = Demand.search([
                        ('product', '=', ac.id), ('week', '=', self.week)])
                self.assertEqual(
                    {l.sale for l in Line.browse(
                            Demand.dms_sale_lines([record]))},
                    {self.sales['now']})
            self.assertEqual(Demand.dms_sale_lines([]), [])

    @with_transaction()
    def test_planning_shipment(self):
        "Test the shipments to plan against the independent computation"
        pool = Pool()
        Shipment = pool.get('dms.planning.shipment')
        ShipmentOut = pool.get('stock.shipment.out')
        Sale = pool.get('sale.sale')
        self.planning_data()
        carrier = self.create_carrier()
        # The back-order of the late sale goes by the carrier
        backorder, = [s for s in self.sales['late'].shipments
            if s.state == 'waiting']
        ShipmentOut.write([backorder], {'carrier': carrier.id})
        rows = self.shipment_rows()
        expected = self.expected_shipments()
        self.assertRowsEqual(rows, expected)
        # The known answers: today, the late back-order (4 units) by the
        # carrier to Guangdong
        key = (self.today, self.north_east.id, self.country.id,
            self.guangdong.id, carrier.id)
        self.assertEqual(rows[key][:2], (1, 0))
        self.assertAlmostEqual(rows[key][2], 4)
        # The confirmed order has no shipment yet: an order
        confirmed = self.sales['confirmed']
        self.assertFalse(confirmed.shipments)
        day = max(confirmed.promised_date, self.today)
        key = (day, self.north_east.id, self.country.id,
            self.guangdong.id, None)
        self.assertEqual(rows[key][1], 1)
        # The walk-in customer's shipment has no territory
        walk_in, = self.sales['walk_in'].shipments
        self.assertIn((max(walk_in.planned_date, self.today), None, None,
                None, None), rows)
        # Filters
        for context, expected in [
                ({'dealer': self.dealer_a.id},
                    {'dealers': [self.dealer_a]}),
                ({'tier': self.silver.id},
                    {'dealers': [self.dealer_b, self.dealer_c]}),
                ({'territory': self.north.id},
                    {'dealers': [self.dealer_a]}),
                ({'carrier': carrier.id}, {'carrier': carrier}),
                ({'include_quotations': True}, {'quotations': True}),
                ({'from_date': self.today + dt.timedelta(days=5)},
                    {'from_date': self.today + dt.timedelta(days=5)}),
                ({'to_date': self.today + dt.timedelta(days=5)},
                    {'to_date': self.today + dt.timedelta(days=5)}),
                ({'warehouse': self.other_warehouse.id},
                    {'warehouse': self.other_warehouse}),
                ]:
            with self.subTest(context=context):
                rows = self.shipment_rows(**context)
                self.assertTrue(rows)
                self.assertRowsEqual(
                    rows, self.expected_shipments(**expected))
        for context in [
                {'dealer': self.dealer_c.id},
                {'from_date': dt.date(9999, 12, 31)},
                {'to_date': dt.date(1, 1, 1)},
                {'warehouse': None, 'company': None},
                ]:
            with self.subTest(context=context):
                self.assertEqual(self.shipment_rows(**context), {})
        self.assertRowsEqual(
            self.shipment_rows(from_date=dt.date(1, 1, 1),
                to_date=dt.date(9999, 12, 31)),
            self.expected_shipments())

        # The drill-down
        OpenShipments = pool.get(
            'dms.planning.shipment.open_shipments', type='wizard')
        OpenOrders = pool.get(
            'dms.planning.shipment.open_orders', type='wizard')
        with Transaction().set_context(
                company=self.company.id, warehouse=self.warehouse.id):
            records = Shipment.search([])
            self.assertEqual(
                set(ShipmentOut.browse(Shipment.dms_shipments(records))),
                set(ShipmentOut.search([
                            ('warehouse', '=', self.warehouse.id),
                            ('state', 'in', ['waiting', 'assigned']),
                            ])))
            self.assertEqual(
                set(Sale.browse(Shipment.dms_sales(records))),
                {self.sales['confirmed']})
            record, = Shipment.search([('carrier', '=', carrier.id)])
            self.assertEqual(
                Shipment.dms_shipments([record]), [backorder.id])
            self.assertEqual(Shipment.dms_sales([record]), [])
            for Wizard_, ids in [
                    (OpenShipments, [backorder.id]), (OpenOrders, [])]:
                with Transaction().set_context(
                        active_model='dms.planning.shipment',
                        active_id=record.id, active_ids=[record.id]):
                    session_id, _, _ = Wizard_.create()
                    result = Wizard_.execute(session_id, {}, 'open_')
                    action, = result['actions']
                    self.assertEqual(
                        action[0]['pyson_domain'],
                        '[["id", "in", [%s]]]' % ', '.join(map(str, ids)))
                    Wizard_.delete(session_id)

    @with_transaction()
    def test_planning_export_rows(self):
        "Test the rows of the planning views for a spreadsheet"
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        Shipment = pool.get('dms.planning.shipment')
        self.planning_data()
        types = {'char': str, 'date': dt.date, 'integer': int,
            'float': float}
        with Transaction().set_context(
                company=self.company.id, warehouse=self.warehouse.id):
            for Model in [Demand, Shipment]:
                with self.subTest(model=Model.__name__):
                    records = Model.search([])
                    header, rows = Model.dms_export_rows(records)
                    self.assertEqual(len(rows), len(records))
                    self.assertTrue(all(label for _, label, _ in header))
                    for row in rows:
                        self.assertEqual(len(row), len(header))
                        for (name, _, type_), value in zip(header, row):
                            if value is not None:
                                self.assertIsInstance(value, types[type_])
            header, rows = Demand.dms_export_rows([])
            self.assertEqual(rows, [])
            self.assertEqual(
                [h[0] for h in header][:3], ['product', 'week', 'iso_week'])
            record, = Demand.search([
                    ('product', '=', self.products['FR-1'].id),
                    ('week', '=', self.week53)])
            _, (row,) = Demand.dms_export_rows([record])
            self.assertEqual(row[:3], [
                    self.products['FR-1'].rec_name, self.week53,
                    '%s-W53' % self.week53.year])

            # The Spreadsheet print action of the views
            import io

            import openpyxl
            Report = pool.get('dms.reporting.xlsx', type='report')
            records = Demand.search([])
            _, content, _, _ = Report.execute([r.id for r in records],
                {'model': 'dms.planning.demand'})
            sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
            header = [c.value for c in sheet[1]]
            values = [dict(zip(header, [c.value for c in r]))
                for r in sheet.iter_rows(min_row=2)]
            self.assertEqual(len(values), len(records))
            week = Demand.fields_get(['week'])['week']['string']
            product = Demand.fields_get(['product'])['product']['string']
            shortfall = Demand.fields_get(['shortfall'])['shortfall'][
                'string']
            cell, = [v for v in values
                if v[product] == self.products['FR-1'].rec_name
                and v[week].date() == self.week53]
            self.assertEqual(cell[shortfall], record.shortfall)

    @with_transaction()
    def test_planning_access(self):
        """Test a DMS manager reads the planning views and opens their
        drill-down, and a user linked to a dealer reads none of them"""
        pool = Pool()
        Demand = pool.get('dms.planning.demand')
        Shipment = pool.get('dms.planning.shipment')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        OpenLines = pool.get('dms.planning.demand.open_lines', type='wizard')
        self.planning_data()
        manager, dealer_user = User.create([{
                    'login': login,
                    'groups': [('add', [ModelData.get_id(
                                    'dms_dealer', group)])],
                    'companies': [('add', [self.company.id])],
                    'company': self.company.id,
                    'dealer': dealer,
                    } for login, group, dealer in [
                    ('planner', 'group_dms_manager', None),
                    ('dealer_user', 'group_dms_user', self.dealer_a.id)]])
        expected = self.expected_demand()
        context = {
            '_check_access': True, 'company': self.company.id,
            'warehouse': self.warehouse.id}
        with Transaction().set_user(manager.id), \
                Transaction().set_context(**context):
            records = Demand.search([])
            self.assertEqual(len(records), len(expected))
            self.assertTrue(Shipment.search([]))
            with Transaction().set_context(
                    active_model='dms.planning.demand',
                    active_id=records[0].id,
                    active_ids=[records[0].id]):
                session_id, _, _ = OpenLines.create()
                action, = OpenLines.execute(
                    session_id, {}, 'open_')['actions']
                self.assertTrue(action[0]['pyson_domain'])
        with Transaction().set_user(dealer_user.id), \
                Transaction().set_context(**context):
            for Model in [Demand, Shipment]:
                with self.subTest(model=Model.__name__):
                    with self.assertRaises(AccessError):
                        Model.search([])
