# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The sales reports against an independent computation.

A generated data set (dealers in tiers and territories, products in
categories, a customer that is no dealer, a foreign currency, a sale unit
other than the product's, sales in every state over two years) is summed in
Python from its own description; every report, read from the summary and
from the sale lines as Tryton does, must give the same figures, and still
after creates, changes, cancellations and late edits."""
import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from dms_dealer.tests.tools import create_dealer, create_tier
from trytond.modules.company.tests import create_company
from trytond.modules.currency.tests import add_currency_rate, create_currency
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

COUNTED = {'confirmed', 'processing', 'done'}
STATES = ['confirmed', 'processing', 'done', 'draft', 'quotation',
    'cancelled']
FROM, TO = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
# Units of the company currency per unit of the sale's currency
EUR_RATE = Decimal('0.5')


def week(date):
    return date - dt.timedelta(days=date.weekday())


def quarter(date):
    return date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)


PERIODS = {
    'day': lambda d: d,
    'week': week,
    'month': lambda d: d.replace(day=1),
    'quarter': quarter,
    'year': lambda d: d.replace(month=1, day=1),
    }


class ReportingTestMixin:
    "Test the sales reports against the sums of the data set"
    maxDiff = None

    def setup_data(self, sales=120):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Territory = pool.get('dms.territory')
        Party = pool.get('party.party')
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        User = pool.get('res.user')
        # A company currency without rate: the module gives it one
        company = create_company(currency=create_currency('CNY'))
        self.company = company
        User.write([User(Transaction().user)], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        Transaction().set_context(company=company.id).__enter__()
        self.eur = create_currency('EUR')
        add_currency_rate(self.eur, 2, dt.date(2000, 1, 1))

        china, = Territory.create([{
                    'name': "China", 'code': 'CN', 'level': 'country'}])
        zhejiang, jiangsu = Territory.create([{
                    'name': n, 'code': c, 'level': 'province',
                    'parent': china.id}
                for n, c in [("Zhejiang", 'ZJ'), ("Jiangsu", 'JS')]])
        hangzhou, ningbo = Territory.create([{
                    'name': n, 'code': c, 'level': 'city',
                    'parent': zhejiang.id}
                for n, c in [("Hangzhou", 'HZ'), ("Ningbo", 'NB')]])
        self.territories = {
            t.code: t for t in [china, zhejiang, jiangsu, hangzhou, ningbo]}
        gold = create_tier(company, 'GOLD')
        silver = create_tier(company, 'SILVER')
        self.tiers = {'GOLD': gold, 'SILVER': silver}
        self.dealers = {}
        for code, tier, territory in [
                ('D1', gold, hangzhou), ('D2', silver, hangzhou),
                ('D3', gold, ningbo), ('D4', silver, jiangsu)]:
            self.dealers[code] = create_dealer(
                company, code, tier=tier, territory=territory)
        Dealer.activate(list(self.dealers.values()))
        self.walk_in, = Party.create([{'name': "Walk-in customer",
                    'addresses': [('create', [{'city': "Shanghai"}])]}])

        unit, = Uom.search([('name', '=', 'Unit')])
        box, = Uom.create([{
                    'name': "Box of 6", 'symbol': 'box6',
                    'category': unit.category.id, 'factor': 6,
                    'rate': round(1 / 6, 12)}])
        self.box = box
        cat_a, cat_b = Category.create([{'name': 'A'}, {'name': 'B'}])
        self.categories = {'A': cat_a, 'B': cat_b}
        templates = Template.create([{
                    'name': code, 'code': code, 'type': 'goods',
                    'salable': True, 'list_price': Decimal(10),
                    'default_uom': unit.id, 'sale_uom': unit.id,
                    'categories': [('add', [c.id for c in cats])],
                    'products': [('create', [{}])],
                    } for code, cats in [
                    ('P1', [cat_a]), ('P2', [cat_a]), ('P3', [cat_b]),
                    ('P4', [cat_a, cat_b]), ('P5', [])]])
        self.products = {t.code: t.products[0] for t in templates}

        rng = random.Random(1)
        customers = list(self.dealers) + ['walk-in']
        self.spec = []
        for n in range(sales):
            customer = rng.choice(customers)
            date = FROM + dt.timedelta(days=rng.randint(0, 729))
            lines = []
            for _ in range(rng.randint(1, 4)):
                lines.append({
                        'product': rng.choice(list(self.products)),
                        'quantity': rng.randint(1, 20),
                        'unit': rng.choice(['unit', 'unit', 'box']),
                        'unit_price': Decimal(rng.randint(100, 9999))
                        / 100,
                        'actual_quantity': None,
                        })
            self.spec.append({
                    'customer': customer,
                    'date': date,
                    'state': rng.choice(STATES),
                    'currency': 'EUR' if n % 7 == 0 else 'CNY',
                    'lines': lines,
                    })
        # The last days of the year with an ISO week 53 (2026)
        self.spec.append({
                'customer': 'D1', 'date': dt.date(2026, 12, 31),
                'state': 'done', 'currency': 'CNY',
                'lines': [{'product': 'P1', 'quantity': 3, 'unit': 'unit',
                        'unit_price': Decimal('7.77'),
                        'actual_quantity': None}]})
        self.sales = self.create_sales(self.spec)

    def create_sales(self, specs):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        sales = []
        for spec in specs:
            dealer = self.dealers.get(spec['customer'])
            party = dealer.party if dealer else self.walk_in
            sale = Sale(
                company=self.company,
                party=party,
                dealer=dealer,
                invoice_address=party.addresses[0] if party.addresses
                else None,
                shipment_address=party.addresses[0] if party.addresses
                else None,
                currency=(self.eur if spec['currency'] == 'EUR'
                    else self.company.currency),
                sale_date=spec['date'],
                )
            sale.lines = [Line(
                    type='line',
                    product=self.products[l['product']],
                    unit=(self.box if l['unit'] == 'box'
                        else self.products[l['product']].default_uom),
                    quantity=l['quantity'],
                    unit_price=l['unit_price'],
                    description=l['product'],
                    ) for l in spec['lines']]
            sales.append(sale)
        Sale.save(sales)
        # Into their state without the workflow (no stock or invoices)
        by_state = defaultdict(list)
        for sale, spec in zip(sales, specs):
            if spec['state'] != 'draft':
                by_state[spec['state']].append(sale)
        if by_state:
            Sale.write(*[x for state, records in by_state.items()
                    for x in (records, {'state': state})])
        return sales

    # The independent computation

    def expected(self, key, from_date=FROM, to_date=TO, period=None,
            dealers=None):
        """{group: (revenue, number, quantity)} of the counted sales
        between the dates; key(spec, line) gives the groups of a line (a
        list), None for an order level figure"""
        revenue = defaultdict(Decimal)
        orders = defaultdict(set)
        quantity = defaultdict(float)
        for n, spec in enumerate(self.spec):
            if spec['state'] not in COUNTED:
                continue
            if not (from_date <= spec['date'] <= to_date):
                continue
            if dealers is not None and spec['customer'] not in dealers:
                continue
            rate = EUR_RATE if spec['currency'] == 'EUR' else Decimal(1)
            for line in spec['lines']:
                for group in key(spec, line):
                    if group is None:
                        continue
                    if period:
                        group = (group, PERIODS[period](spec['date']))
                    q = line['actual_quantity']
                    if q is None:
                        q = line['quantity']
                    revenue[group] += Decimal(str(q)) * line[
                        'unit_price'] * rate
                    orders[group].add(n)
                    quantity[group] += q * (6 if line['unit'] == 'box'
                        else 1)
        return {
            g: (revenue[g].quantize(Decimal('0.01'), ROUND_HALF_UP),
                len(orders[g]),
                quantity[g])
            for g in revenue}

    def dealer_of(self, spec, line):
        return [spec['customer'] if spec['customer'] in self.dealers
            else None]

    def tier_of(self, spec, line):
        dealer = self.dealers.get(spec['customer'])
        return [dealer.tier.code if dealer else None]

    def territory_of(self, spec, line):
        dealer = self.dealers.get(spec['customer'])
        return [dealer.territory.code if dealer else None]

    def territory_tree_of(self, spec, line, territory=None):
        if territory is None:
            dealer = self.dealers.get(spec['customer'])
            if not dealer:
                return []
            territory = dealer.territory
        codes = []
        while territory:
            codes.append(territory.code)
            territory = territory.parent
        return codes

    def category_of(self, spec, line):
        return [c.name for c in self.products[line['product']].categories]

    # Reading the reports

    def read(self, model, field, summary=True, **context):
        pool = Pool()
        Report = pool.get(model)
        context.setdefault('from_date', FROM)
        context.setdefault('to_date', TO)
        with Transaction().set_context(
                company=self.company.id, dms_summary=summary, **context):
            rows = Report.search([])
            result = {}
            for row in rows:
                group = getattr(row, field)
                group = getattr(group, 'code', None) or getattr(
                    group, 'name', None) or group
                if hasattr(row, 'date') and 'period' in context:
                    group = (group, row.date)
                values = (row.revenue, row.number)
                if 'quantity' in Report._fields:
                    values += (row.quantity,)
                result[group] = values
            return result

    def assert_report(self, model, field, key, with_quantity=False, **kw):
        context = {k: kw.pop(k) for k in list(kw)
            if k in {'period', 'dealer', 'tier', 'territory'}}
        expected = self.expected(key, period=context.get('period'), **kw)
        if not with_quantity:
            expected = {g: v[:2] for g, v in expected.items()}
        for summary in [True, False]:
            with self.subTest(model=model, summary=summary, **context):
                actual = self.read(model, field, summary=summary, **context)
                if not with_quantity:
                    actual = {g: v[:2] for g, v in actual.items()}
                else:
                    actual = {g: (r, n, round(q, 6))
                        for g, (r, n, q) in actual.items()}
                    expected = {g: (r, n, round(q, 6))
                        for g, (r, n, q) in expected.items()}
                self.assertEqual(actual, expected)

    def assert_all_reports(self):
        self.assert_report(
            'sale.reporting.dealer', 'dealer', self.dealer_of)
        self.assert_report('sale.reporting.tier', 'tier', self.tier_of)
        self.assert_report(
            'sale.reporting.territory', 'territory', self.territory_of)
        self.assert_report(
            'sale.reporting.product', 'product',
            lambda s, l: [l['product']], with_quantity=True)
        self.assert_report(
            'sale.reporting.product.category', 'category', self.category_of,
            with_quantity=True)
        self.assert_report(
            'sale.reporting.main', 'company', lambda s, l: [self.company])
        for period in PERIODS:
            self.assert_report(
                'sale.reporting.dealer.time_series', 'dealer',
                self.dealer_of, period=period)
        self.assert_territory_tree()
        self.assert_summary_rebuilt()

    def assert_territory_tree(self):
        pool = Pool()
        Tree = pool.get('sale.reporting.territory.tree')
        # The tree adds up the (rounded) revenues of the territories
        flat = self.expected(self.territory_of)
        expected = {}
        for code, territory in self.territories.items():
            subtree = {t.code for t in self.territories.values()
                if code in self.territory_tree_of({'customer': None}, None,
                    territory=t)}
            expected[code] = (
                sum((flat[c][0] for c in subtree if c in flat), Decimal(0)),
                sum(flat[c][1] for c in subtree if c in flat), 0)
        with Transaction().set_context(
                company=self.company.id, from_date=FROM, to_date=TO):
            rows = Tree.search([])
            actual = {r.rec_name.split(' / ')[-1]: r for r in rows}
            for code, territory in self.territories.items():
                revenue, number, _ = expected.get(
                    code, (Decimal(0), 0, 0))
                row = Tree(territory.id)
                self.assertEqual(
                    (row.revenue, row.number), (revenue, number), code)
            self.assertTrue(actual)

    def assert_summary_rebuilt(self):
        "The incremental summary sums to what a rebuild gives"
        pool = Pool()
        Summary = pool.get('dms.reporting.summary')
        table = Summary.__table__()
        cursor = Transaction().connection.cursor()

        def totals():
            columns = [getattr(table, c) for c in [
                    'kind', 'date', 'customer', 'dealer', 'currency',
                    'product', 'category']]
            from sql.aggregate import Sum
            cursor.execute(*table.select(*columns,
                    Sum(table.quantity), Sum(table.amount),
                    Sum(table.number), group_by=columns))
            return {tuple(r[:7]): (round(r[7] or 0, 6),
                    Decimal(str(r[8])).quantize(Decimal('0.0001')), r[9])
                for r in cursor
                if r[7] or r[8] or r[9]}
        before = totals()
        Summary.rebuild()
        self.assertEqual(totals(), before)

    @with_transaction()
    def test_reports_match_the_data_set(self):
        "Test every report gives the sums of the data set, both ways"
        self.setup_data()
        self.assert_all_reports()

    @with_transaction()
    def test_company_currency_gets_a_rate(self):
        "Test a company currency without rate gets one (reports need it)"
        pool = Pool()
        Rate = pool.get('currency.currency.rate')
        Customer = pool.get('sale.reporting.customer')
        self.setup_data(sales=10)
        self.assertEqual(len(Rate.search([
                        ('currency', '=', self.company.currency.id)])), 1)
        # A dealer's revenue equals Tryton's customer report for its party
        dealers = self.read('sale.reporting.dealer', 'dealer')
        with Transaction().set_context(company=self.company.id,
                from_date=FROM, to_date=TO, dms_summary=False):
            customers = {c.customer: c for c in Customer.search([])}
        self.assertTrue(dealers)
        for code, (revenue, number) in dealers.items():
            customer = customers[self.dealers[code].party]
            self.assertEqual(
                (customer.revenue, customer.number), (revenue, number))

    @with_transaction()
    def test_filters_and_comparison(self):
        "Test the dealer, tier and territory filters and the comparison"
        self.setup_data()
        product = lambda s, l: [l['product']]  # noqa: E731
        self.assert_report('sale.reporting.product', 'product', product,
            with_quantity=True, dealer=self.dealers['D2'].id,
            dealers={'D2'})
        self.assert_report('sale.reporting.product', 'product', product,
            with_quantity=True, tier=self.tiers['GOLD'].id,
            dealers={'D1', 'D3'})
        self.assert_report('sale.reporting.product', 'product', product,
            with_quantity=True, territory=self.territories['ZJ'].id,
            dealers={'D1', 'D2', 'D3'})
        # Nothing matches: no row, no error
        self.assertEqual(self.read('sale.reporting.dealer', 'dealer',
                from_date=dt.date(1990, 1, 1),
                to_date=dt.date(1990, 12, 31)), {})
        # A huge range
        self.assertEqual(
            self.read('sale.reporting.dealer', 'dealer',
                from_date=dt.date(1, 1, 1), to_date=dt.date(9999, 12, 31)),
            self.read('sale.reporting.dealer', 'dealer', from_date=None,
                to_date=None))

        # 2026 against 2025
        pool = Pool()
        Product = pool.get('sale.reporting.product')
        now = self.expected(product, dt.date(2026, 1, 1), TO)
        before = self.expected(product, FROM, dt.date(2025, 12, 31))
        for summary in [True, False]:
            with Transaction().set_context(company=self.company.id,
                    from_date=dt.date(2026, 1, 1), to_date=TO,
                    compare=True, dms_summary=summary):
                rows = {r.product.code: r for r in Product.search([],
                        order=[('revenue_growth', 'DESC')])}
            self.assertEqual(rows.keys(), now.keys() | before.keys())
            for code, row in rows.items():
                revenue, number, quantity = now.get(
                    code, (Decimal(0), 0, 0))
                previous, _, previous_quantity = before.get(
                    code, (Decimal(0), 0, 0))
                self.assertEqual(row.revenue, revenue)
                self.assertEqual(row.number, number)
                self.assertEqual(row.previous_revenue, previous)
                self.assertAlmostEqual(row.quantity, quantity)
                self.assertAlmostEqual(
                    row.previous_quantity, previous_quantity)
                if previous:
                    self.assertAlmostEqual(row.revenue_growth, float(
                            (revenue - previous) * 100 / previous), 1)
                else:
                    self.assertIsNone(row.revenue_growth)

    @with_transaction()
    def test_summary_follows_changes(self):
        """Test the reports after creates, changes, cancellations and late
        edits of sales and lines"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Template = pool.get('product.template')
        self.setup_data(sales=60)
        counted = [(n, s) for n, s in enumerate(self.sales)
            if self.spec[n]['state'] in COUNTED]
        # A late edit: the quantity actually shipped
        n, sale = counted[0]
        line = sale.lines[0]
        Line.write([line], {'actual_quantity': 1})
        self.spec[n]['lines'][0]['actual_quantity'] = 1
        # Another date and dealer
        n, sale = counted[1]
        Sale.write([sale], {'sale_date': dt.date(2026, 3, 3)})
        self.spec[n]['date'] = dt.date(2026, 3, 3)
        # Cancelled
        n, sale = counted[2]
        Sale.write([sale], {'state': 'cancelled'})
        self.spec[n]['state'] = 'cancelled'
        # Lines of counted sales cannot be added or removed (Tryton): a
        # draft sale gets a line more and one less, then is confirmed
        n, sale = next((n, s) for n, s in enumerate(self.sales)
            if self.spec[n]['state'] == 'draft')
        Line.create([{
                    'sale': sale.id, 'type': 'line',
                    'product': self.products['P3'].id,
                    'unit': self.products['P3'].default_uom.id,
                    'quantity': 5, 'unit_price': Decimal('3.50'),
                    'description': 'P3'}])
        self.spec[n]['lines'].append({
                'product': 'P3', 'quantity': 5, 'unit': 'unit',
                'unit_price': Decimal('3.50'), 'actual_quantity': None})
        Line.delete([sale.lines[0]])
        self.spec[n]['lines'].pop(0)
        Sale.write([sale], {'state': 'confirmed'})
        self.spec[n]['state'] = 'confirmed'
        new = {'customer': 'D4', 'date': dt.date(2026, 6, 1),
            'state': 'processing', 'currency': 'CNY',
            'lines': [{'product': 'P2', 'quantity': 2, 'unit': 'box',
                    'unit_price': Decimal('12.00'),
                    'actual_quantity': None}]}
        self.sales += self.create_sales([new])
        self.spec.append(new)
        # A product moved to another category
        Template.write([self.products['P2'].template], {
                'categories': [
                    ('remove', [self.categories['A'].id]),
                    ('add', [self.categories['B'].id])]})
        self.products = {
            c: p.__class__(p.id) for c, p in self.products.items()}
        self.assert_all_reports()


    @with_transaction()
    def test_spreadsheet(self):
        """Test the spreadsheet of a report holds its rows as typed cells,
        its filters and, for a time series, a chart"""
        import io

        import openpyxl
        pool = Pool()
        Report = pool.get('dms.reporting.xlsx', type='report')
        Dealer = pool.get('sale.reporting.dealer')
        Timeseries = pool.get('sale.reporting.dealer.time_series')
        self.setup_data(sales=40)
        expected = self.expected(self.dealer_of)
        with Transaction().set_context(company=self.company.id,
                from_date=FROM, to_date=TO, tier=self.tiers['GOLD'].id,
                compare=False):
            rows = Dealer.search([], order=[('revenue', 'DESC')])
            oext, content, _, name = Report.execute(
                [r.id for r in rows], {'model': 'sale.reporting.dealer'})
        self.assertEqual(oext, 'xlsx')
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        self.assertEqual(header[:3], ["Dealer", "#", "Revenue"])
        self.assertEqual(sheet.freeze_panes, 'A2')
        self.assertTrue(sheet.auto_filter.ref)
        values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
        self.assertEqual(len(values), len(rows))
        gold = {c for c, d in self.dealers.items()
            if d.tier == self.tiers['GOLD']}
        self.assertEqual(
            {v[0]: (Decimal(str(v[2])), v[1]) for v in values},
            {self.dealers[c].rec_name: expected[c][:2] for c in gold
                if c in expected})
        # Revenues in descending order, as listed, with the currency digits
        self.assertEqual([v[2] for v in values],
            sorted([v[2] for v in values], reverse=True))
        # An amount: the currency's symbol and digits
        self.assertEqual(
            sheet.cell(2, 3).number_format, '"CNY "#,##0.00')
        self.assertEqual(sheet.cell(2, 2).number_format, '#,##0')
        filters = {r[0].value: r[1].value
            for r in book['Filters'].iter_rows(min_row=2)}
        self.assertEqual(filters['Tier'], self.tiers['GOLD'].rec_name)
        self.assertEqual(filters['From Date'].date(), FROM)

        with Transaction().set_context(company=self.company.id,
                from_date=FROM, to_date=TO, period='quarter'):
            series = Timeseries.search([
                    ('dealer', '=', self.dealers['D1'].id)],
                order=[('date', 'ASC')])
            _, content, _, _ = Report.execute([s.id for s in series],
                {'model': 'sale.reporting.dealer.time_series'})
        book = openpyxl.load_workbook(io.BytesIO(content))
        sheet = book.worksheets[0]
        dates = [r[0].value.date() for r in sheet.iter_rows(min_row=2)]
        self.assertEqual(dates, [s.date for s in series])
        self.assertTrue(all(d.month in {1, 4, 7, 10} and d.day == 1
                for d in dates))
        self.assertIn('Chart', book.sheetnames)

    @with_transaction()
    def test_key_figures(self):
        "Test today, month and year to date against the same days last year"
        pool = Pool()
        Figure = pool.get('dms.reporting.figure')
        self.setup_data()
        today = dt.date(2026, 5, 20)

        def total(from_date, to_date):
            values = self.expected(
                lambda s, l: ['all'], from_date, to_date).get('all')
            return values[:2] if values else (Decimal(0), 0)
        with Transaction().set_context(
                company=self.company.id, dms_today=today):
            figures = Figure.search([])
            self.assertEqual(len(figures), 3)
            for figure, start in zip(figures, [
                        today, dt.date(2026, 5, 1), dt.date(2026, 1, 1)]):
                last_year = start.replace(year=2025)
                revenue, number = total(start, today)
                previous, previous_number = total(
                    last_year, today.replace(year=2025))
                self.assertEqual(
                    (figure.from_date, figure.to_date), (start, today))
                self.assertEqual(
                    (figure.revenue, figure.number), (revenue, number))
                self.assertEqual(
                    (figure.previous_revenue, figure.previous_number),
                    (previous, previous_number))
                if previous:
                    self.assertAlmostEqual(figure.revenue_growth, float(
                            (revenue - previous) * 100 / previous), 6)
                self.assertTrue(figure.name)

    @with_transaction()
    def test_dealers_at_risk(self):
        """Test the dealers ordering much less than their own rhythm are
        listed with the evidence, the others not"""
        pool = Pool()
        Risk = pool.get('dms.reporting.dealer_risk')
        self.setup_data(sales=0)
        today = dt.date(2026, 6, 30)
        recent_from = today - dt.timedelta(days=89)

        def order(customer, date, amount):
            return {'customer': customer, 'date': date, 'state': 'done',
                'currency': 'CNY', 'lines': [{
                        'product': 'P1', 'quantity': 1, 'unit': 'unit',
                        'unit_price': Decimal(amount),
                        'actual_quantity': None}]}
        specs = []
        start = recent_from - dt.timedelta(days=360)
        for n in range(12):
            date = start + dt.timedelta(days=30 * n)
            # D1 stopped 100 days ago, D2 goes on, D3 orders a tenth
            if date < recent_from:
                specs.append(order('D1', date, 1000))
                specs.append(order('D3', date, 1000))
            specs.append(order('D2', date, 1000))
        for n in range(3):
            date = recent_from + dt.timedelta(days=30 * n)
            specs.append(order('D2', date, 1000))
            specs.append(order('D3', date, 100))
        # D4 has no rhythm: two orders only
        specs += [order('D4', start, 5000), order('D4', start, 5000)]
        self.create_sales(specs)
        self.spec = specs
        # One more of D1, beyond today: not seen
        with Transaction().set_context(
                company=self.company.id, dms_today=today):
            risks = {r.dealer.code: r for r in Risk.search([])}
        self.assertEqual(set(risks), {'D1', 'D3'})
        history = (today - dt.timedelta(days=89 + 365), recent_from
            - dt.timedelta(days=1))
        for code, risk in risks.items():
            usual = [s for s in specs if s['customer'] == code
                and history[0] <= s['date'] <= history[1]]
            recent = [s for s in specs if s['customer'] == code
                and recent_from <= s['date'] <= today]
            usual_revenue = (sum(s['lines'][0]['unit_price'] for s in usual)
                * 90 / 365).quantize(Decimal('0.01'), ROUND_HALF_UP)
            recent_revenue = sum(
                (s['lines'][0]['unit_price'] for s in recent), Decimal(0))
            last = max(s['date'] for s in specs if s['customer'] == code)
            self.assertEqual(risk.usual_orders, len(usual))
            self.assertEqual(risk.usual_interval, 365 // len(usual))
            self.assertEqual(risk.usual_revenue, usual_revenue)
            self.assertEqual(risk.recent_orders, len(recent))
            self.assertEqual(risk.recent_revenue, recent_revenue)
            self.assertEqual(risk.last_order, last)
            self.assertEqual(risk.days_since, (today - last).days)
            self.assertAlmostEqual(risk.revenue_change, float(
                    (recent_revenue - usual_revenue) * 100 / usual_revenue),
                1)
