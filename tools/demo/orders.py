"""The demo data of dms_orders

- 60 products in 6 categories, stock, and sales in several states;
- their fulfilment: a carrier, stock allocated to the processing orders,
  some in production, shipped with a tracking number or delivered, a
  delivery exception, a late order of D0001, a cancelled quotation, a
  regular order history of D0001 and D0005, then the alerts and the
  replenishment suggestions.

For benchmarks, generated products ``SKU-000001``... and confirmed or done
sales in batches of plain ``create`` calls, one committed transaction per
batch, without running the workflows.

Runs after dealer.fill (the dealers, tiers and company)."""
import datetime as dt
import random
from decimal import Decimal

from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .common import (
    SEED, batch_size, locking_transaction, progress, tr, transaction,
    translate)
from .dealer import DEALERS, TIERS


# (SKU prefix, English, Chinese, models: (English, Chinese, list price))
CATEGORIES = [
    ('AC', "Air Conditioners", "空调", [
            ("Split Air Conditioner 1 HP", "壁挂式空调 1匹", 2299),
            ("Split Air Conditioner 1.5 HP", "壁挂式空调 1.5匹", 2899),
            ("Inverter Air Conditioner 1.5 HP", "变频空调 1.5匹", 3299),
            ("Floor Air Conditioner 2 HP", "立柜式空调 2匹", 4599),
            ("Floor Air Conditioner 3 HP", "立柜式空调 3匹", 5999),
            ("Ducted Air Conditioner 3 HP", "风管机 3匹", 7499),
            ("Mobile Air Conditioner", "移动空调", 1699),
            ("Window Air Conditioner", "窗式空调", 1499),
            ("Central Air Conditioner 5 HP", "中央空调 5匹", 12999),
            ("Fresh Air Conditioner 1.5 HP", "新风空调 1.5匹", 3999),
            ]),
    ('RF', "Refrigerators", "冰箱", [
            ("Single Door Refrigerator 120 L", "单门冰箱 120升", 899),
            ("Double Door Refrigerator 210 L", "双门冰箱 210升", 1599),
            ("Triple Door Refrigerator 260 L", "三门冰箱 260升", 2199),
            ("French Door Refrigerator 450 L", "法式多门冰箱 450升", 4999),
            ("Side by Side Refrigerator 600 L", "对开门冰箱 600升", 5999),
            ("Cross Door Refrigerator 500 L", "十字对开门冰箱 500升", 5499),
            ("Chest Freezer 200 L", "卧式冷柜 200升", 1299),
            ("Upright Freezer 180 L", "立式冷柜 180升", 1499),
            ("Wine Cooler 40 Bottles", "红酒柜 40瓶", 2599),
            ("Mini Refrigerator 50 L", "迷你冰箱 50升", 599),
            ]),
    ('WM', "Washing Machines", "洗衣机", [
            ("Top Load Washer 8 kg", "波轮洗衣机 8公斤", 1199),
            ("Top Load Washer 10 kg", "波轮洗衣机 10公斤", 1499),
            ("Front Load Washer 8 kg", "滚筒洗衣机 8公斤", 1999),
            ("Front Load Washer 10 kg", "滚筒洗衣机 10公斤", 2599),
            ("Washer Dryer 10 kg", "洗烘一体机 10公斤", 3499),
            ("Heat Pump Dryer 10 kg", "热泵干衣机 10公斤", 3999),
            ("Twin Tub Washer 9 kg", "双缸洗衣机 9公斤", 899),
            ("Mini Washer 3 kg", "迷你洗衣机 3公斤", 699),
            ("Wall Mounted Washer 3 kg", "壁挂洗衣机 3公斤", 1799),
            ("Twin Drum Washer 12 kg", "分区洗衣机 12公斤", 5999),
            ]),
    ('WH', "Water Heaters", "热水器", [
            ("Electric Water Heater 50 L", "电热水器 50升", 899),
            ("Electric Water Heater 60 L", "电热水器 60升", 1099),
            ("Electric Water Heater 80 L", "电热水器 80升", 1399),
            ("Gas Water Heater 13 L", "燃气热水器 13升", 1599),
            ("Gas Water Heater 16 L", "燃气热水器 16升", 1999),
            ("Instant Water Heater", "即热式热水器", 1299),
            ("Heat Pump Water Heater 200 L", "空气能热水器 200升", 6999),
            ("Solar Water Heater 150 L", "太阳能热水器 150升", 3299),
            ("Kitchen Water Heater 6 L", "厨宝 6升", 499),
            ("Wall Hung Boiler 24 kW", "壁挂炉 24千瓦", 4599),
            ]),
    ('KA', "Kitchen Appliances", "厨房电器", [
            ("Range Hood", "抽油烟机", 2299),
            ("Gas Hob Double Burner", "双眼燃气灶", 1299),
            ("Built-in Oven 60 L", "嵌入式烤箱 60升", 3299),
            ("Steam Oven 50 L", "蒸烤一体机 50升", 4999),
            ("Dishwasher 13 Sets", "洗碗机 13套", 3999),
            ("Microwave Oven 23 L", "微波炉 23升", 599),
            ("Rice Cooker 4 L", "电饭煲 4升", 399),
            ("Induction Cooker", "电磁炉", 299),
            ("Water Purifier", "净水器", 1999),
            ("Disinfection Cabinet", "消毒柜", 1499),
            ]),
    ('SP', "Spare Parts", "配件", [
            ("Compressor", "压缩机", 899),
            ("Fan Motor", "风扇电机", 199),
            ("Control Board", "控制板", 299),
            ("Remote Control", "遥控器", 49),
            ("Door Gasket", "门封条", 79),
            ("Drain Pump", "排水泵", 129),
            ("Heating Element", "加热管", 99),
            ("Magnesium Anode", "镁棒", 39),
            ("Installation Kit", "安装套件", 159),
            ("Filter Cartridge", "滤芯", 89),
            ]),
    ]

# The carrier of the demo shipments and its service product (code, English,
# Chinese, price)
CARRIER = ("SF Express", "顺丰速运")
CARRIER_SERVICE = (
    'SHIP-SF', "SF Express Standard Delivery", "顺丰标快", 20)
# The dealers with a regular order history, every 2 to 4 weeks from and to
# these days ago (after the stock count, long enough ago to be due again)
HISTORY = ['D0001', 'D0005']
HISTORY_DAYS = (115, 28)
# Products the cross-module tests order: no history on them
HISTORY_EXCLUDED = ['AC-1001', 'SP-6009', 'WM-3002']


def fill(demo):
    "The products, stock, sales and their fulfilment"
    setup_products(demo.database, demo.company_id, demo.admin_id,
        demo.context)
    setup_pictures(demo.database, demo.admin_id, demo.context)
    setup_stock(demo.database, demo.admin_id, demo.context)
    setup_sales(demo.database, demo.admin_id, demo.context)
    setup_tracking(demo.database, demo.admin_id, demo.context, demo.lang)


def generate(demo):
    """The generated products, then the generated sales (of every active
    dealer, the generated ones too: after dealer.generate)"""
    generate_products(demo.database, demo.admin_id, demo.context,
        demo.products)
    generate_sales(demo.database, demo.admin_id, demo.context,
        demo.sale_lines)


# Products, stock and sales

def setup_products(database, company_id, admin_id, context):
    "Create the 6 categories and 60 products"
    rng = random.Random(SEED)
    pool = Pool(database)
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    Account = pool.get('account.account')
    ModelData = pool.get('ir.model.data')
    with transaction(database, admin_id, **context):
        account_category = ensure_account_category(Category, Account,
            company_id)
        categories = {c.name: c for c in Category.search([
                    ('accounting', '=', False)])}
        new = [c for c in CATEGORIES if c[1] not in categories]
        created = Category.create([{'name': en} for _, en, _, _ in new])
        translate(Category, created, [zh for _, _, zh, _ in new])
        categories.update((c.name, c) for c in created)

        skus = [(code, en, zh, price, categories[category])
            for code, category, (en, zh, price) in demo_products()]
        existing = {t.code for t in Template.search([
                    ('code', 'in', [s[0] for s in skus])])}
        new = [s for s in skus if s[0] not in existing]
        if not new:
            return
        unit = ModelData.get_id('product', 'uom_unit')
        with progress("Products", len(new)) as bar:
            templates = Template.create([
                    template_values(code, en, Decimal(price), unit,
                        category.id, account_category.id,
                        Decimal(price) * Decimal(rng.randint(55, 70)) / 100)
                    for code, en, _, price, category in new])
            translate(Template, templates, [zh for _, _, zh, _, _ in new])
            bar.update(len(new))


def ensure_account_category(Category, Account, company_id):
    "The accounting category, with the accounts of the chart"
    categories = Category.search([('accounting', '=', True)], limit=1)
    if categories:
        return categories[0]
    accounts = {}
    for kind in ['revenue', 'expense']:
        accounts[kind], = Account.search([
                (f'type.{kind}', '=', True),
                ('company', '=', company_id),
                ('closed', '!=', True),
                ], limit=1)
    category, = Category.create([{
                'name': "Finished Goods",
                'accounting': True,
                'account_revenue': accounts['revenue'].id,
                'account_expense': accounts['expense'].id,
                }])
    translate(Category, [category], ["产成品"])
    return category


# The categories whose products get a picture and a description (the
# others show the portal's placeholder), with the description in English
# and Chinese
PICTURED = {
    'AC': ("Energy class 1, R32 refrigerant, 5-year compressor warranty.",
        "一级能效，R32 环保冷媒，压缩机保修五年。"),
    'RF': ("Energy class 1, frost free, 3-year warranty.",
        "一级能效，风冷无霜，整机保修三年。"),
    'WM': ("Inverter motor, 15 programmes, 3-year warranty.",
        "变频电机，15 种洗涤程序，整机保修三年。"),
    'WH': ("Enamel tank, safety valve, 5-year tank warranty.",
        "搪瓷内胆，安全阀，内胆保修五年。"),
    }


def setup_pictures(database, admin_id, context):
    """Give the products of the PICTURED categories a picture (drawn here,
    one per category) and a description"""
    pool = Pool(database)
    Image = pool.get('product.image')
    Product = pool.get('product.product')
    with transaction(database, admin_id, **context):
        if Image.search_count([]):
            return
        products = Product.search([
                ('code', 'in', demo_skus()),
                ], order=[('code', 'ASC')])
        products = [p for p in products if p.code[:2] in PICTURED]
        pictures = {prefix: product_picture(prefix) for prefix in PICTURED}
        Image.create([{
                    'template': p.template.id,
                    'image': pictures[p.code[:2]],
                    } for p in products])
        # In the default language, then in Chinese
        for index, context in enumerate([{}, {'language': 'zh_CN'}]):
            actions = []
            for product in products:
                actions.extend([[product], {
                            'description': PICTURED[product.code[:2]][index],
                            }])
            with Transaction().set_context(**context):
                Product.write(*actions)


def product_picture(prefix):
    "A PNG picture of an appliance of the category (SKU prefix)"
    import io

    from PIL import Image, ImageDraw
    colours = {'AC': (214, 234, 248), 'RF': (232, 240, 233),
        'WM': (243, 236, 224), 'WH': (246, 229, 229)}
    image = Image.new('RGB', (240, 240), colours[prefix])
    draw = ImageDraw.Draw(image)
    body, line = (250, 252, 255), (60, 72, 88)
    if prefix == 'AC':
        draw.rounded_rectangle((30, 80, 210, 150), 16, body, line, 4)
        for x in range(60, 190, 20):
            draw.line((x, 135, x + 10, 135), line, 3)
    elif prefix == 'RF':
        draw.rounded_rectangle((70, 25, 170, 215), 10, body, line, 4)
        draw.line((70, 95, 170, 95), line, 4)
        draw.line((150, 50, 150, 75), line, 4)
        draw.line((150, 115, 150, 150), line, 4)
    elif prefix == 'WM':
        draw.rounded_rectangle((50, 40, 190, 210), 10, body, line, 4)
        draw.ellipse((75, 85, 165, 175), (220, 230, 240), line, 4)
        draw.line((60, 65, 180, 65), line, 3)
    else:
        draw.rounded_rectangle((80, 30, 160, 210), 36, body, line, 4)
        draw.ellipse((108, 80, 132, 104), (230, 90, 70), line, 3)
    data = io.BytesIO()
    image.save(data, format='PNG')
    return data.getvalue()


def template_values(code, name, list_price, unit, category, account_category,
        cost_price):
    return {
        'code': code,
        'name': name,
        'type': 'goods',
        'salable': True,
        'default_uom': unit,
        'sale_uom': unit,
        'list_price': list_price,
        'categories': [('add', [category])] if category else [],
        'account_category': account_category,
        'products': [('create', [{
                        'cost_price': cost_price.quantize(Decimal('0.0001')),
                        }])],
        }


def setup_stock(database, admin_id, context):
    "Count the demo products into the warehouse with a confirmed inventory"
    rng = random.Random(SEED)
    pool = Pool(database)
    Inventory = pool.get('stock.inventory')
    Location = pool.get('stock.location')
    Product = pool.get('product.product')
    with transaction(database, admin_id, **context):
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        storage = warehouse.storage_location
        if Inventory.search_count([('location', '=', storage.id)]):
            return
        products = Product.search([
                ('code', 'in', demo_skus()),
                ], order=[('code', 'ASC')])
        with progress("Stock", 1) as bar:
            inventory, = Inventory.create([{
                        'location': storage.id,
                        'date': dt.date.today() - dt.timedelta(days=120),
                        'lines': [('create', [{
                                        'product': p.id,
                                        'quantity': (
                                            0 if rng.random() < 0.15
                                            else rng.randint(5, 400)),
                                        } for p in products])],
                        }])
            Inventory.confirm([inventory])
            bar.update()


def demo_products():
    "(SKU, category name, model) of the demo products: AC-1001..."
    return [(f'{prefix}-{n}{j:03d}', category, model)
        for n, (prefix, category, _, models) in enumerate(CATEGORIES, 1)
        for j, model in enumerate(models, 1)]


def demo_skus():
    return [code for code, _, _ in demo_products()]


def setup_sales(database, admin_id, context):
    "Create a few sales per active dealer: draft, quotation, confirmed..."
    rng = random.Random(SEED)
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    Product = pool.get('product.product')
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    today = dt.date.today()
    with transaction(database, admin_id, **context) as t:
        dealers = Dealer.search([
                ('code', 'in', [f'D{i:04d}' for i in range(
                                1, len(DEALERS) + 1)]),
                ('state', '=', 'active'),
                ], order=[('code', 'ASC')])
        products = Product.search([('code', 'in', demo_skus())],
            order=[('code', 'ASC')])
        plans = [(d, n, rng.choice(
                        ['draft', 'quotation', 'confirmed', 'processing',
                            'processing']),
                    today - dt.timedelta(days=rng.randint(0, 90)),
                    [(rng.choice(products), rng.randint(1, 20))
                        for _ in range(rng.randint(1, 4))])
            for d in dealers for n in range(1, rng.randint(3, 5) + 1)]
        references = [f'DEMO-{d.code}-{n}' for d, n, *_ in plans]
        existing = {s.reference for s in Sale.search([
                    ('reference', 'in', references)])}
        plans = [p for p, r in zip(plans, references) if r not in existing]
        if not plans:
            return
        bar = progress("Sales", len(plans))
        sales = []
        sale_defaults = Sale.default_get(
            list(Sale._fields), with_rec_name=False)
        for dealer, n, _, sale_date, lines in plans:
            sale = Sale(**sale_defaults)
            sale.party = dealer.party
            sale.on_change_party()
            sale.dealer = dealer
            sale.reference = f'DEMO-{dealer.code}-{n}'
            sale.sale_date = sale_date
            sale.lines = [sale_line_with_product(Line, sale, product, qty)
                for product, qty in lines]
            sales.append(sale)
        Sale.save(sales)
        by_state = {}
        for sale, (_, _, state, _, _) in zip(sales, plans):
            by_state.setdefault(state, []).append(sale)
        to_confirm = by_state.get('confirmed', [])
        to_process = by_state.get('processing', [])
        Sale.quote(by_state.get('quotation', []) + to_confirm + to_process)
        Sale.confirm(to_process)
        # Confirm queues the processing, run below like the server does
        tasks = list(t.tasks)
        Sale.confirm(to_confirm)
        # These stay confirmed: their processing waits in the queue for a
        # worker
        t.tasks.clear()
        bar.update(len(plans) - len(to_process))
    from trytond.worker import run_task
    for task in tasks:
        run_task(database, task)
    bar.update(len(to_process))
    bar.close()


def sale_line_with_product(Line, sale, product, quantity):
    "A sale line priced as the web client does: by the price list"
    line = Line(sale=sale, type='line', product=product, quantity=quantity)
    line.on_change_product()
    return line


# Fulfilment tracking

def setup_tracking(database, admin_id, context, lang):
    """Move the demo orders through every stage of their fulfilment

    The carrier, a regular order history of D0001 and D0005 (for the
    replenishment suggestions), the allocation of the stock to the
    processing orders, some in production, shipped with a tracking number
    or delivered, a delivery exception, a late order of D0001 and a
    cancelled quotation; then the alerts scan and the suggestions.

    One transaction: the carrier tells that it is done."""
    pool = Pool(database)
    Carrier = pool.get('carrier')
    with transaction(database, admin_id, **context):
        if Carrier.search([
                    ('carrier_product.code', '=', CARRIER_SERVICE[0]),
                    ]):
            return
    bar = progress("Tracking", 4)
    # Stock allocation locks the moves and processing locks the sales:
    # lock them at once instead of running again for each
    locking_transaction(database, admin_id, context,
        lambda t: track_orders(pool, t, lang, bar),
        tables=['stock_move', 'sale_sale'])
    bar.close()


def track_orders(pool, t, lang, bar):
    "The tracking of setup_tracking in the transaction t"
    rng = random.Random(SEED)
    bar.reset()
    Cron = pool.get('ir.cron')
    Sale = pool.get('sale.sale')
    ShipmentOut = pool.get('stock.shipment.out')
    Alert = pool.get('dms.order.alert')
    Suggestion = pool.get('dms.order.suggestion')
    Queue = pool.get('ir.queue')
    carrier = create_carrier(pool, lang)
    history = create_order_history(pool, rng, carrier)
    # Tryton registers on a scheduled action the companies existing when it
    # is created: none, the modules being activated before the company.
    # Without a company, the stock allocation (priority supply) finds no
    # shipment when trytond-cron runs it.
    Company = pool.get('company.company')
    Cron.write(Cron.search([('companies', '=', None)]), {
            'companies': [('add', [c.id for c in Company.search([])])],
            })
    bar.update()

    sales = Sale.search([
            ('reference', 'like', 'DEMO-D%'),
            ('state', '=', 'processing'),
            ], order=[('reference', 'ASC')])
    Cron.stock_shipment_assign_try()
    sales = Sale.browse([s.id for s in sales])
    waiting = [s for s in sales if s.dms_stage == 'confirmed']
    ready = [s for s in sales if s.dms_stage == 'ready']
    # D0001 gets one order shipped: the first it has ready
    d0001 = [s for s in ready if s.dealer.code == 'D0001'][:1]
    others = [s for s in ready if s not in d0001]
    to_ship = d0001 + others[1::3] + others[2::3]
    to_deliver = others[2::3]
    Sale.dms_start_production(waiting[::2])
    ship(ShipmentOut, carrier, rng,
        [m for s in to_ship for m in s.shipments])
    Sale.dms_deliver(to_deliver)
    bar.update()

    # A delivery exception on a shipped order of another dealer
    shipped = [s for s in Sale.browse([s.id for s in to_ship])
        if s.dms_stage == 'shipped' and s.dealer.code != 'D0001']
    if shipped:
        ShipmentOut.write(list(shipped[0].shipments), {
                'dms_exception': tr(lang,
                    "Parcel damaged at the transfer hub: "
                    "the carrier inspects it",
                    "包裹在中转站破损，承运商正在查验"),
                })
    # A late order of D0001: the factory cannot make the promised date
    late = [s for s in Sale.browse([s.id for s in sales])
        if s.dealer.code == 'D0001'
        and s.dms_stage in {'confirmed', 'in_production', 'ready'}][:1]
    for sale in late:
        Sale.write([sale], {
                'eta': sale.promised_date + dt.timedelta(days=6),
                })
    # A quotation the dealer gave up
    quotations = Sale.search([
            ('reference', 'like', 'DEMO-D%'),
            ('state', '=', 'quotation'),
            ('dealer.code', 'not in', ['D0001', 'D0005']),
            ], order=[('reference', 'ASC')], limit=1)
    Sale.cancel(quotations)
    # The shipped sales learn the state of their shipments
    Sale.process(Sale.browse(list(history) + [s.id for s in to_ship]))
    bar.update()

    Alert.scan()
    Suggestion.compute()
    now = dt.datetime.now().replace(second=0, microsecond=0)
    ends = {s.id: now - dt.timedelta(hours=1) for s in sales}
    ends.update(history)
    spread_events(pool, ends)
    # The processing is done above and the demo e-mails no one: no task
    # is left for a worker
    Queue.delete(Queue.browse(t.tasks))
    t.tasks.clear()
    bar.update()


def create_carrier(pool, lang):
    "The carrier with its service product"
    Carrier = pool.get('carrier')
    Party = pool.get('party.party')
    Template = pool.get('product.template')
    ModelData = pool.get('ir.model.data')
    code, en, zh, price = CARRIER_SERVICE
    template, = Template.create([{
                'code': code,
                'name': en,
                'type': 'service',
                'default_uom': ModelData.get_id('product', 'uom_unit'),
                'list_price': Decimal(price),
                'products': [('create', [{
                                'cost_price': Decimal(price) * 8 / 10,
                                }])],
                }])
    translate(Template, [template], [zh])
    party, = Party.create([{'name': tr(lang, *CARRIER)}])
    carrier, = Carrier.create([{
                'party': party.id,
                'carrier_product': template.products[0].id,
                }])
    return carrier


def ship(ShipmentOut, carrier, rng, shipments):
    "Pick, pack and ship the shipments with the carrier"
    ShipmentOut.write(shipments, {'carrier': carrier.id})
    for shipment in shipments:
        shipment.tracking_number = f'SF{rng.randrange(10**11, 10**12)}'
    ShipmentOut.save(shipments)
    ShipmentOut.pick(shipments)
    ShipmentOut.pack(shipments)
    ShipmentOut.do(shipments)


def create_order_history(pool, rng, carrier):
    """Orders of the same products every 2 to 4 weeks, delivered, the last
    one long enough ago for them to be due again"""
    Dealer = pool.get('dms.dealer')
    Product = pool.get('product.product')
    Location = pool.get('stock.location')
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    ShipmentOut = pool.get('stock.shipment.out')
    Event = pool.get('dms.order.event')
    today = dt.date.today()
    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    with Transaction().set_context(
            locations=[warehouse.id], stock_date_end=today):
        products = Product.search([
                ('code', 'in', demo_skus()),
                ('code', 'not in', HISTORY_EXCLUDED),
                ('type', '=', 'goods'),
                ], order=[('code', 'ASC')])
        # Enough stock left for the orders that wait for it
        products = [p for p in products if p.quantity >= 100]
    dealers = Dealer.search([('code', 'in', HISTORY)],
        order=[('code', 'ASC')])
    sale_defaults = Sale.default_get(list(Sale._fields), with_rec_name=False)
    sales, shipped_on = [], []
    for dealer in dealers:
        ordered = {l.product for s in Sale.search([
                        ('dealer', '=', dealer.id)]) for l in s.lines}
        candidates = [p for p in products if p not in ordered]
        chosen = rng.sample(candidates, 3)
        usual = [rng.randint(4, 12) for _ in chosen]
        # From after the stock count to four weeks ago: 4 orders at least
        dates = [today - dt.timedelta(days=HISTORY_DAYS[0])]
        while True:
            date = dates[-1] + dt.timedelta(days=rng.randint(14, 28))
            if date > today - dt.timedelta(days=HISTORY_DAYS[1]):
                break
            dates.append(date)
        orders = len(dates)
        for n, sale_date in enumerate(dates, 1):
            sale = Sale(**sale_defaults)
            sale.party = dealer.party
            sale.on_change_party()
            sale.dealer = dealer
            sale.reference = f'HIST-{dealer.code}-{n:02d}'
            sale.sale_date = sale_date
            sale.promised_date = sale_date + dt.timedelta(days=7)
            # Every other order but the last leaves out one of the products
            lines = [(p, q) for i, (p, q) in enumerate(zip(chosen, usual))
                if n % 2 or n == orders or i != n % 3]
            sale.lines = [sale_line_with_product(Line, sale, product,
                        max(1, quantity + rng.randint(-2, 2)))
                for product, quantity in lines]
            sales.append(sale)
            shipped_on.append(sale_date + dt.timedelta(
                    days=rng.randint(2, 5)))
    Sale.save(sales)
    Sale.quote(sales)
    Sale.confirm(sales)
    Sale.process(sales)
    shipments = []
    for sale, date in zip(sales, shipped_on):
        for shipment in sale.shipments:
            shipment.planned_date = shipment.effective_date = date
            shipments.append(shipment)
    ShipmentOut.save(shipments)
    # The products have the stock: no need to try
    ShipmentOut.assign_force(shipments)
    ship(ShipmentOut, carrier, rng, shipments)
    Sale.dms_deliver(sales)
    # Delivered two days after they were shipped
    delivered = {s.id: dt.datetime.combine(
            date + dt.timedelta(days=2), dt.time(10))
        for s, date in zip(sales, shipped_on)}
    with Transaction().set_context(_dms_tracking=True):
        Sale.write(*[x for s in sales
                for x in ([s], {'dms_stage_date': delivered[s.id]})])
    # The ETAs computed from today's date before the shipments were dated
    Event.delete(Event.search([
                ('sale', 'in', [s.id for s in sales]),
                ('kind', '=', 'eta'),
                ('date_value', '>', max(delivered.values()).date()),
                ]))
    return delivered


def spread_events(pool, ends):
    """Date the timelines of the orders from their sale date to their end
    ({sale id: datetime}), as if they had happened over the days, in the
    same order; the alerts keep the date they were raised"""
    Event = pool.get('dms.order.event')
    Sale = pool.get('sale.sale')
    to_write = []
    for sale in Sale.browse(list(ends)):
        events = sorted((e for e in sale.dms_events if e.kind != 'alert'),
            key=lambda e: (e.date, e.id))
        start = dt.datetime.combine(sale.sale_date, dt.time(9))
        end = ends[sale.id]
        if len(events) < 2 or start >= end:
            continue
        days = (end.date() - start.date()).days / (len(events) - 1)
        for i, event in enumerate(events):
            # In office hours, later on the day for each event
            date = min(start + dt.timedelta(
                    days=round(days * i), minutes=23 * i), end)
            to_write.extend([[event], {'date': date}])
    if to_write:
        Event.write(*to_write)


# Generated data for benchmarks

def generate_products(database, admin_id, context, count):
    "Products SKU-000001... spread over the demo categories"
    if not count:
        return
    rng = random.Random(SEED)
    pool = Pool(database)
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    ModelData = pool.get('ir.model.data')
    with transaction(database, admin_id, **context):
        unit = ModelData.get_id('product', 'uom_unit')
        account_category, = Category.search([('accounting', '=', True)],
            limit=1)
        categories = Category.search([('accounting', '=', False)])
        account_category = account_category.id
        categories = [c.id for c in categories]
    with progress("Generated products", count) as bar:
        batch = batch_size()
        for start in range(1, count + 1, batch):
            numbers = range(start, min(start + batch, count + 1))
            prices = [(rng.choice(categories), rng.randint(50, 9000),
                    rng.randint(55, 70)) for _ in numbers]
            with transaction(database, admin_id, **context):
                codes = [f'SKU-{n:06d}' for n in numbers]
                existing = {t.code for t in Template.search([
                            ('code', 'in', codes)])}
                Template.create([
                        template_values(code, f"Generated Product {n:06d}",
                            Decimal(price), unit, category,
                            account_category,
                            Decimal(price) * Decimal(ratio) / 100)
                        for n, code, (category, price, ratio) in zip(
                            numbers, codes, prices)
                        if code not in existing])
            bar.update(len(numbers))


def generate_sales(database, admin_id, context, count):
    """Confirmed and done sales B0000001... with count lines in all

    They are created as drafts (lines can be added only to drafts) and put
    in their state in the same transaction, without the workflow: no
    shipment, no invoice."""
    if not count:
        return
    rng = random.Random(SEED)
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    Address = pool.get('party.address')
    Product = pool.get('product.product')
    Sale = pool.get('sale.sale')
    Location = pool.get('stock.location')
    Company = pool.get('company.company')
    today = dt.date.today()
    with transaction(database, admin_id, **context):
        company = Company(context['company'])
        currency = company.currency.id
        dealers = Dealer.search_read([('state', '=', 'active')],
            fields_names=['party', 'tier.code'], order=[('code', 'ASC')])
        addresses = {}
        for parties in grouped_slice([d['party'] for d in dealers]):
            for address in Address.search_read(
                    [('party', 'in', list(parties))],
                    fields_names=['party'], order=[('id', 'DESC')]):
                addresses[address['party']] = address['id']
        products = [(p['id'], p['list_price_used'], p['default_uom'])
            for p in Product.search_read(
                [('salable', '=', True)],
                fields_names=['list_price_used', 'default_uom'],
                order=[('id', 'ASC')])]
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        warehouse = warehouse.id
    factors = {code: Decimal(factor) for code, *_, factor, _, _ in TIERS}
    factors = {d['id']: factors[d['tier.']['code']] for d in dealers}
    bar = progress("Generated sale lines", count)
    size = batch_size()
    number, lines_left = 0, count
    while lines_left:
        batch = []
        while lines_left and len(batch) < size:
            number += 1
            dealer = rng.choice(dealers)
            lines = [sale_line(rng, rng.choice(products),
                    factors[dealer['id']])
                for _ in range(min(rng.randint(1, 8), lines_left))]
            lines_left -= len(lines)
            batch.append(sale_values(
                    rng, number, dealer, addresses[dealer['party']],
                    warehouse, context['company'], currency, today, lines))
        with transaction(database, admin_id, **context):
            existing = {s.number for s in Sale.search([
                        ('number', 'in', [v['number'] for v, _ in batch])])}
            batch = [(v, s) for v, s in batch if v['number'] not in existing]
            sales = Sale.create([v for v, _ in batch])
            by_state = {}
            for sale, (_, state) in zip(sales, batch):
                by_state.setdefault(state, []).append(sale)
            if by_state:
                Sale.write(*[x for state, records in by_state.items()
                        for x in (records, {
                                'state': state,
                                'invoice_state': (
                                    'paid' if state == 'done' else 'none'),
                                'shipment_state': (
                                    'sent' if state == 'done' else 'none'),
                                })])
        bar.update(sum(len(v['lines'][0][1]) for v, _ in batch))
    bar.close()


def sale_line(rng, product, factor):
    product_id, list_price, unit = product
    return {
        'type': 'line',
        'product': product_id,
        'unit': unit,
        'quantity': float(rng.randint(1, 50)),
        'unit_price': (list_price * factor).quantize(Decimal('0.0001')),
        }


def sale_values(rng, number, dealer, address, warehouse, company, currency,
        today, lines):
    "The values of a draft sale and the state to put it in"
    amount = sum(
        (Decimal(str(line['quantity'])) * line['unit_price']
            for line in lines), Decimal(0)).quantize(Decimal('0.01'))
    sale_date = today - dt.timedelta(days=rng.randint(0, 730))
    return {
        'company': company,
        'number': f'B{number:07d}',
        'reference': f'BENCH-{number:07d}',
        'party': dealer['party'],
        'dealer': dealer['id'],
        'invoice_address': address,
        'shipment_address': address,
        'warehouse': warehouse,
        'currency': currency,
        'sale_date': sale_date,
        'quotation_date': sale_date,
        'untaxed_amount_cache': amount,
        'tax_amount_cache': Decimal(0),
        'total_amount_cache': amount,
        'lines': [('create', lines)],
        }, rng.choice(['confirmed', 'done', 'done'])
