"""Create the DMS demo database, or add generated data to it for benchmarks.

    tools/demo.py --database dms --size small --lang en

The database is created if it is missing, the four DMS modules are
activated with their dependencies and Simplified Chinese is made
translatable.  Then the demo is filled in, one phase at a time:

- the factory company (CNY), its chart of accounts, fiscal years, the
  administrator (``admin``/``admin``) and sales representatives;
- China with six provinces and their cities, as subdivisions and as the
  territory tree of the dealer network;
- four dealer tiers, each with its price list, payment term and credit limit;
- 24 dealers with their parties, portal accounts (password ``demo1234``),
  sub-dealers, states and tier changes;
- 60 products in 6 categories, stock, and sales in several states;
- their fulfilment: a carrier, stock allocated to the processing orders,
  some in production, shipped with a tracking number or delivered, a
  delivery exception, a late order of D0001, a cancelled quotation, a
  regular order history of D0001 and D0005, then the alerts and the
  replenishment suggestions;
- communication: bulletins (a product launch to every dealer with its
  brochure, a recall to a tier to acknowledge, a pending price change of
  D0001's tier that affects its open orders, a policy for D0005 alone and
  a draft), market feedback of a few dealers triaged and answered by the
  factory, and conversations on orders of D0001 and D0005; the dealers'
  inboxes hold their notifications, and no e-mail is sent.

``--size medium|large`` (or ``--dealers``, ``--products``, ``--sale-lines``)
adds generated dealers ``D00001``..., products ``SKU-000001``... and
confirmed or done sales in batches of plain ``create`` calls, one committed
transaction per batch, without running the workflows.

Every record is looked up by its code, e-mail or name before it is created,
so running the script again creates nothing.  Content is reproducible:
random choices come from ``random.Random(42)`` and dates are relative to
today.  Names are English with Chinese translations; ``--lang zh_CN`` gives
Chinese names to the parties and makes Chinese the administrator's language.

Configuration comes from ``TRYTOND_CONFIG`` and the environment variables
``TRYTOND_<SECTION>__<KEY>``, which take precedence over the file.
"""
import argparse
import datetime as dt
import os
import random
import struct
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

from tqdm import tqdm

import trytond.config as config
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

MODULES = ['dms_dealer', 'dms_orders', 'dms_campaigns', 'dms_reports']
LANGUAGES = ['en', 'zh_CN']
SIZES = {
    # generated dealers, products and sale lines added to the demo
    'small': (0, 0, 0),
    'medium': (500, 2_000, 20_000),
    'large': (5_000, 20_000, 1_000_000),
    }
# Records per create call and transaction.  SQLite cannot add unique
# constraints to existing tables, so Tryton checks them with a query nesting
# one OR per record, and SQLite's parser overflows beyond about a hundred.
BATCH_SIZES = {'postgresql': 1_000, 'sqlite': 50}
SEED = 42
ADMIN_EMAIL = 'admin@example.com'
PORTAL_DOMAIN = 'dealers.example.com'
PORTAL_PASSWORD = 'demo1234'

COMPANY = ("Yangtze Appliance Manufacturing Co.", "长江家电制造有限公司")
COMPANY_ADDRESS = ("88 Binjiang Avenue", "滨江大道88号", 'CN-ZJ-HZ')
# (login, English name, Chinese name); the first one is the administrator
EMPLOYEES = [
    ('admin', "Zhang Wei", "张伟"),
    (None, "Chen Jing", "陈静"),
    (None, "Wang Fang", "王芳"),
    (None, "Liu Yang", "刘洋"),
    ]
CHINA = ('CN', 'CHN', '156', "China", "中国")
# (code, subdivision type, English, Chinese, cities or districts:
#   (code, English, Chinese, latitude, longitude))
PROVINCES = [
    ('ZJ', 'province', "Zhejiang", "浙江省", [
            ('HZ', "Hangzhou", "杭州市", 30.2741, 120.1551),
            ('NB', "Ningbo", "宁波市", 29.8683, 121.5440),
            ('WZ', "Wenzhou", "温州市", 27.9943, 120.6994),
            ]),
    ('GD', 'province', "Guangdong", "广东省", [
            ('GZ', "Guangzhou", "广州市", 23.1291, 113.2644),
            ('SZ', "Shenzhen", "深圳市", 22.5431, 114.0579),
            ('FS', "Foshan", "佛山市", 23.0215, 113.1214),
            ]),
    ('JS', 'province', "Jiangsu", "江苏省", [
            ('NJ', "Nanjing", "南京市", 32.0603, 118.7969),
            ('SU', "Suzhou", "苏州市", 31.2990, 120.5853),
            ('WX', "Wuxi", "无锡市", 31.4912, 120.3119),
            ]),
    ('SC', 'province', "Sichuan", "四川省", [
            ('CD', "Chengdu", "成都市", 30.5728, 104.0668),
            ('MY', "Mianyang", "绵阳市", 31.4675, 104.6796),
            ]),
    ('SH', 'municipality', "Shanghai", "上海市", [
            ('PD', "Pudong", "浦东新区", 31.2215, 121.5447),
            ('MH', "Minhang", "闵行区", 31.1129, 121.3817),
            ]),
    ('BJ', 'municipality', "Beijing", "北京市", [
            ('CY', "Chaoyang", "朝阳区", 39.9215, 116.4431),
            ('HD', "Haidian", "海淀区", 39.9593, 116.2981),
            ]),
    ]
# (code, English, Chinese, sequence, supply priority, marketing fund rate,
#  credit limit, price factor, payment days, benefits)
TIERS = [
    ('PLATINUM', "Platinum", "白金", 10, 40, '0.05', 2_000_000, '0.80', 60,
        "20% off list price, first supply priority, 5% marketing fund, "
        "60 days net, dedicated account manager."),
    ('GOLD', "Gold", "黄金", 20, 30, '0.03', 1_000_000, '0.85', 45,
        "15% off list price, high supply priority, 3% marketing fund, "
        "45 days net."),
    ('SILVER', "Silver", "白银", 30, 20, '0.02', 500_000, '0.90', 30,
        "10% off list price, 2% marketing fund, 30 days net."),
    ('BRONZE', "Bronze", "青铜", 40, 10, '0.01', 200_000, '0.95', 30,
        "5% off list price, 1% marketing fund, 30 days net."),
    ]
# Dealer names: "<city> <word> <kind>" in English, "<city><word><kind>"
NAME_WORDS = [
    ("Xinghe", "星河"), ("Hengtai", "恒泰"), ("Jinshi", "金石"),
    ("Huamei", "华美"), ("Ruifeng", "瑞丰"), ("Tianyi", "天一"),
    ("Dongfang", "东方"), ("Changsheng", "长盛"), ("Baoli", "宝利"),
    ("Hongda", "宏达"), ("Yongxin", "永鑫"), ("Zhongcheng", "中诚"),
    ]
NAME_KINDS = [
    ("Trading Co.", "商贸有限公司"),
    ("Appliance Co.", "电器有限公司"),
    ("Electrical Sales Co.", "电器销售有限公司"),
    ]
# D0001..D0024: (city code, tier, state, number of the parent dealer or
# None); D0001 is Platinum and D0005 Gold, both active
DEALERS = [
    ('CN-ZJ-HZ', 'PLATINUM', 'active', None),
    ('CN-ZJ-NB', 'SILVER', 'active', 1),
    ('CN-ZJ-WZ', 'BRONZE', 'active', 1),
    ('CN-GD-GZ', 'PLATINUM', 'active', None),
    ('CN-GD-SZ', 'GOLD', 'active', 4),
    ('CN-GD-FS', 'SILVER', 'active', 4),
    ('CN-JS-NJ', 'GOLD', 'active', None),
    ('CN-JS-SU', 'GOLD', 'active', 7),
    ('CN-JS-WX', 'BRONZE', 'active', 7),
    ('CN-SC-CD', 'SILVER', 'active', None),
    ('CN-SC-MY', 'BRONZE', 'active', None),
    ('CN-SH-PD', 'PLATINUM', 'active', None),
    ('CN-SH-MH', 'GOLD', 'active', None),
    ('CN-BJ-CY', 'PLATINUM', 'active', None),
    ('CN-BJ-HD', 'GOLD', 'active', None),
    ('CN-ZJ-HZ', 'GOLD', 'active', None),
    ('CN-GD-GZ', 'BRONZE', 'active', None),
    ('CN-GD-SZ', 'BRONZE', 'active', None),
    ('CN-JS-NJ', 'SILVER', 'active', None),
    ('CN-SC-CD', 'SILVER', 'active', None),
    ('CN-ZJ-NB', 'BRONZE', 'suspended', None),
    ('CN-ZJ-WZ', 'BRONZE', 'terminated', None),
    ('CN-GD-FS', 'BRONZE', 'prospect', None),
    ('CN-JS-SU', 'SILVER', 'prospect', None),
    ]
# Tier changes after creation, kept in the tier history with their reason
TIER_CHANGES = {
    'D0010': ('GOLD', "Annual review: sales target exceeded by 18%."),
    'D0013': ('SILVER', "Annual review: two quarters below target."),
    'D0017': ('SILVER', "Strong results in the summer co-marketing campaign."),
    }
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

# Communication.  The bulletins of the factory: the first, to every dealer,
# tells that the phase is done; the price change is for the tier of D0001
# (new prices of two products of D0001's open orders, pending until its
# effective date), the policy for D0005 alone, the last one stays a draft.
# The effective date is so many days from today; titles and bodies are
# translated: (English, Chinese).
BULLETINS = [{
        'kind': 'launch',
        'audience': 'all',
        'products': ['AC-1010', 'KA-5004'],
        'days': 14,
        'title': ("New: fresh air conditioner and steam oven",
            "新品上市：新风空调和蒸烤一体机"),
        'body': (
            "Two new models can be ordered from today: the Fresh Air "
            "Conditioner 1.5 HP, which brings in filtered outdoor air, and "
            "the Steam Oven 50 L.\n"
            "Deliveries start in two weeks. The brochure is attached: "
            "display material follows with the first orders.",
            "即日起可订购两款新品：可引入过滤室外空气的新风空调 1.5匹，"
            "以及蒸烤一体机 50升。\n"
            "两周后开始发货。随附产品手册，展示物料随首批订单发出。"),
        'file': 'fresh-air-and-steam-oven.pdf',
        }, {
        'kind': 'recall',
        'audience': ('tiers', 'GOLD'),
        'acknowledgement': True,
        'products': ['WH-4004'],
        'days': 0,
        'title': ("Recall: gas valve of the Gas Water Heater 13 L",
            "召回：燃气热水器 13升的燃气阀"),
        'body': (
            "Units made last month may have a gas valve that closes too "
            "slowly. Stop selling the units in stock and tell the "
            "customers who bought one: our service engineers replace the "
            "valve free of charge.\n"
            "Please confirm that you have taken note.",
            "上月生产的部分产品燃气阀关闭过慢。请停止销售库存产品，"
            "并通知已购买的客户：我司售后工程师将免费更换燃气阀。\n"
            "请确认已知悉。"),
        }, {
        'kind': 'price',
        'audience': ('tiers', 'PLATINUM'),
        'days': 30,
        'title': ("Platinum prices of two models go up by 5%",
            "两款型号白金经销商价格上调5%"),
        'body': (
            "The rising cost of steel and compressors makes us raise the "
            "Platinum prices of the two models below by 5%, from the "
            "effective date. Orders placed before that day keep their "
            "price; the list shows your open orders with these models.",
            "受钢材和压缩机成本上涨影响，以下两款型号的白金经销商价格自"
            "生效日起上调5%。生效日前下的订单价格不变；下方列出您含这些"
            "型号的未完成订单。"),
        }, {
        'kind': 'policy',
        'audience': ('dealers', 'D0005'),
        'acknowledgement': True,
        'days': 7,
        'title': ("Shenzhen exclusivity terms for the coming year",
            "深圳区域独家经销条款（来年）"),
        'body': (
            "As agreed at our meeting, your exclusivity for Shenzhen is "
            "renewed for one year with a sales target raised by 12%. The "
            "signed terms are attached; please confirm that you have "
            "taken note.",
            "按会谈约定，贵司深圳区域独家经销权续期一年，销售目标上调"
            "12%。随附已签署的条款，请确认已知悉。"),
        'file': 'shenzhen-exclusivity-terms.pdf',
        }, {
        'kind': 'general',
        'audience': 'all',
        'draft': True,
        'days': 45,
        'title': ("Summer service week (draft)", "夏季服务周（草稿）"),
        'body': (
            "During the summer service week our engineers check the air "
            "conditioners of your customers free of charge.",
            "夏季服务周期间，我司工程师为贵司客户免费检修空调。"),
        },
    ]
# Market feedback sent from the portal: (dealer, role of the author, form,
# file name or None, the factory's triage and its answer (English,
# Chinese) or None); texts of the form are (English, Chinese)
FEEDBACK = [
    ('D0001', 'admin', {
            'kind': 'demand',
            'subject': ("Champagne gold French door refrigerators sell out",
                "香槟金法式多门冰箱断货"),
            'description': (
                "Customers ask for the champagne gold colour: the white "
                "units stay in the showroom.",
                "客户点名要香槟金色，白色款一直压在展厅。"),
            'product': 'RF-2004',
            'attribute': ("champagne gold", "香槟金"),
            'estimated_quantity': '40',
            }, None, ['acknowledge', 'process'], (
            "A production run in champagne gold is planned next month; "
            "your allocation follows your orders.",
            "下月安排一批香槟金色生产，按订单分配给贵司。")),
    ('D0001', 'buyer', {
            'kind': 'competitor',
            'subject': ("Competitor cuts its inverter air conditioner price",
                "竞品变频空调降价"),
            'description': (
                "Seen in two stores of Hangzhou this weekend.",
                "本周末在杭州两家门店看到。"),
            'product': 'AC-1003',
            'competitor': ("Huaxia Electric", "华夏电器"),
            'competitor_price': '2799',
            }, None, [], None),
    ('D0005', 'admin', {
            'kind': 'quality',
            'subject': ("Front load washers of one batch are noisy",
                "同批次滚筒洗衣机噪音大"),
            'description': (
                "Three units of the same batch make a loud noise when they "
                "spin. The photo shows the label of one of them.",
                "同一批次有三台脱水时噪音很大。照片为其中一台的铭牌。"),
            'product': 'WM-3003',
            }, 'washer-label.png', ['acknowledge'], None),
    ('D0005', 'buyer', {
            'kind': 'trend',
            'subject': ("Young couples ask for washer dryers",
                "年轻家庭青睐洗烘一体机"),
            'description': (
                "Small flats in Shenzhen have no room to dry clothes.",
                "深圳小户型没有晾晒空间。"),
            }, None, ['process', 'close'], (
            "Thank you: the washer dryer gets a co-marketing campaign this "
            "autumn.",
            "感谢反馈：洗烘一体机今年秋季将开展联合营销活动。")),
    ('D0007', 'admin', {
            'kind': 'demand',
            'subject': ("White dishwashers for rental flats",
                "出租公寓需要白色洗碗机"),
            'product': 'KA-5005',
            'attribute': ("white", "白色"),
            'estimated_quantity': '25',
            }, None, ['close'], (
            "The dishwasher exists only in stainless steel this year.",
            "今年洗碗机仅有不锈钢款。")),
    ]
# Conversations on orders: (dealer, its order: the late one or the last
# one in that stage, role of the author, the dealer's message, its file or
# None, the factory's public answer, its internal note or None)
CHATS = [
    ('D0001', 'late', 'buyer',
        ("Our customer needs the units this week: can you confirm the "
            "delivery date?",
            "客户本周就要货，能否确认交货日期？"), None,
        ("Our compressor supplier delivers late: the new expected date is "
            "on the order and we ship as soon as it is ready.",
            "压缩机供应商延迟交货：新的预计日期已更新在订单上，备齐后立即"
            "发货。"),
        ("Ask production whether this order can take the first units of "
            "the next batch.",
            "请与生产确认该订单能否优先使用下一批的首批产品。")),
    ('D0005', 'delivered', 'admin',
        ("The carton of one unit was torn at delivery, see the photo.",
            "有一台到货时外箱破损，见照片。"), 'torn-carton.png',
        ("Thank you, a new carton comes with your next shipment.",
            "感谢告知，新外箱随下批货一起发出。"),
        None),
    ]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', '-d', default='dms')
    parser.add_argument('--size', choices=SIZES, default='small')
    parser.add_argument('--lang', choices=LANGUAGES, default='en')
    parser.add_argument('--dealers', type=int,
        help="generated dealers (overrides --size)")
    parser.add_argument('--products', type=int,
        help="generated products (overrides --size)")
    parser.add_argument('--sale-lines', type=int,
        help="generated sale lines (overrides --size)")
    parser.add_argument('--modules-only', action='store_true',
        help="only create the database and activate the modules (a base "
        "that copies are filled from, in any language)")
    args = parser.parse_args(argv)
    dealers, products, sale_lines = SIZES[args.size]
    for name, value in [
            ('dealers', dealers), ('products', products),
            ('sale_lines', sale_lines)]:
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def load_config():
    "Read TRYTOND_CONFIG, then let TRYTOND_<SECTION>__<KEY> override it"
    config.update_etc()
    for key, value in os.environ.items():
        if not key.startswith('TRYTOND_') or '__' not in key:
            continue
        section, option = key[len('TRYTOND_'):].lower().split('__', 1)
        if not config.has_section(section):
            config.add_section(section)
        config.set(section, option, value)


def files_in_database():
    """Keep the files of the demo in the database, not in the filestore
    beside it: a copy of the database (the tests copy the SQLite file or a
    PostgreSQL template) has them too.  Before the pool is loaded."""
    if not config.has_section('attachment'):
        config.add_section('attachment')
    config.set('attachment', 'filestore', 'False')


def batch_size():
    from trytond import backend
    return BATCH_SIZES.get(backend.name, 50)


def progress(desc, total):
    return tqdm(total=total, desc=desc, unit=' rec', file=sys.stderr,
        dynamic_ncols=True)


def tr(lang, en, zh):
    "The English or Chinese value of a field that is not translatable"
    return zh if lang == 'zh_CN' else en


# Database and modules

def create_database(name):
    "Create the empty database if it is missing"
    # The backend is chosen when it is imported: after load_config()
    from trytond import backend
    if backend.name == 'sqlite':
        path = config.get('database', 'path')
        os.makedirs(path, exist_ok=True)
        filename = os.path.join(path, name + '.sqlite')
        if not os.path.exists(filename):
            open(filename, 'a').close()
        return
    database = backend.Database().connect()
    connection = database.get_connection(autocommit=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
            exists = cursor.fetchone()
        if not exists:
            database.create(connection, name)
    finally:
        database.put_connection(connection)


def database_ready(name):
    "Tell whether the DMS modules are activated and zh_CN is translatable"
    from trytond import backend
    if not backend.Database(name).connect().test():
        return False
    pool = Pool(name)
    pool.init()
    with Transaction().start(name, 0, readonly=True):
        Module = pool.get('ir.module')
        Lang = pool.get('ir.lang')
        return (Module.search_count([
                    ('name', 'in', MODULES),
                    ('state', '=', 'activated'),
                    ]) == len(MODULES)
            and bool(Lang.search_count([
                        ('code', '=', 'zh_CN'),
                        ('translatable', '=', True),
                        ])))


def activate_modules(name):
    """Run trytond-admin in this process on the database

    It initialises a new database, activates the DMS modules with their
    dependencies, and loads the Chinese translations of every module."""
    from trytond import admin, commandline
    options = commandline.get_parser_admin().parse_args([
            '--database', name, '--all', '--update', *MODULES,
            '--activate-dependencies', '--language', 'zh_CN',
            '--email', ADMIN_EMAIL])
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        # Read only when the database is new; setup_people checks it
        passfile.write('admin\n')
        passfile.flush()
        os.environ['TRYTONPASSFILE'] = passfile.name
        try:
            admin.run(options)
        finally:
            del os.environ['TRYTONPASSFILE']


def prepare_database(name):
    create_database(name)
    if not database_ready(name):
        with progress("Modules", 1) as bar:
            activate_modules(name)
            bar.update()
    Pool(name).init()


# Transactions

@contextmanager
def transaction(database, user=0, **context):
    "Start a transaction that commits on success, in the default language"
    context.setdefault('language', config.get('database', 'language'))
    with Transaction().start(database, user, context=context) as t:
        yield t


def locking_transaction(database, user, context, func, tables=()):
    """Run func(transaction) in a transaction that commits on success,
    with the tables locked, and again with the locks it asks for (as
    trytond's dispatcher does)"""
    from trytond.transaction import TransactionError
    context = dict(context)
    context.setdefault('language', config.get('database', 'language'))
    extras = {'_lock_tables': list(tables)}
    while True:
        with Transaction().start(
                database, user, context=context, **extras) as t:
            try:
                return func(t)
            except TransactionError as exception:
                t.rollback()
                exception.fix(extras)


def admin_context(database):
    "The user id and context of the administrator, as in the web client"
    pool = Pool(database)
    User = pool.get('res.user')
    with transaction(database):
        admin, = User.search([('login', '=', 'admin')])
        admin_id = admin.id
    with transaction(database, admin_id):
        context = User.get_preferences(context_only=True)
    context['language'] = config.get('database', 'language')
    return admin_id, context


def translate(Model, records, names):
    "Write the Chinese names of records, stored as translations"
    if not records:
        return
    actions = []
    for record, name in zip(records, names):
        actions.extend([[record], {'name': name}])
    with Transaction().set_context(language='zh_CN'):
        Model.write(*actions)


# Company, accounting and people

def setup_currency_and_country(database):
    "Create CNY, China and its provinces if missing"
    pool = Pool(database)
    Currency = pool.get('currency.currency')
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    with transaction(database):
        if not Currency.search([('code', '=', 'CNY')]):
            currencies = Currency.create([{
                        'name': "Chinese Yuan Renminbi",
                        'code': 'CNY',
                        'numeric_code': '156',
                        'symbol': '¥',
                        'rounding': Decimal('0.01'),
                        'digits': 2,
                        }])
            translate(Currency, currencies, ["人民币"])
        code, code3, numeric, en, zh = CHINA
        countries = Country.search([('code', '=', code)])
        if not countries:
            countries = Country.create([{
                        'name': en, 'code': code, 'code3': code3,
                        'code_numeric': numeric,
                        }])
            translate(Country, countries, [zh])
        country, = countries
        existing = {s.code for s in Subdivision.search([
                    ('country', '=', country.id)])}
        provinces = [p for p in PROVINCES if f'CN-{p[0]}' not in existing]
        subdivisions = Subdivision.create([{
                    'country': country.id,
                    'code': f'CN-{code}',
                    'name': en,
                    'type': type_,
                    } for code, type_, en, _, _ in provinces])
        translate(Subdivision, subdivisions, [p[3] for p in provinces])


def setup_company(database, lang):
    "Create the factory company and its accounting with proteus if missing"
    pool = Pool(database)
    Company = pool.get('company.company')
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    today = dt.date.today()
    years = range((today - dt.timedelta(days=180)).year, today.year + 2)
    with transaction(database):
        companies = Company.search([], limit=1)
        company_id = companies[0].id if companies else None
        has_chart = company_id and Account.search_count(
            [('company', '=', company_id)])
        missing_years = [y for y in years if not company_id
            or not FiscalYear.search_count([
                    ('company', '=', company_id),
                    ('start_date', '<=', dt.date(y, 6, 30)),
                    ('end_date', '>=', dt.date(y, 6, 30)),
                    ])]
    if company_id and has_chart and not missing_years:
        return company_id

    from proteus import Model
    from proteus import config as pconfig
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.company.tests.tools import (
        create_company, get_company)
    # The configuration is already loaded: do not let proteus read the file
    # again over the environment variables
    pconfig.set_trytond(database, config_file=os.devnull)
    steps = (not company_id) + (not has_chart) + len(missing_years)
    with progress("Company", steps) as bar:
        if not company_id:
            Party = Model.get('party.party')
            Currency = Model.get('currency.currency')
            party = Party(name=tr(lang, *COMPANY))
            party.save()
            currency, = Currency.find([('code', '=', 'CNY')])
            create_company(party, currency)
            bar.update()
        company = get_company()
        if not has_chart:
            create_chart(company)
            bar.update()
        for year in missing_years:
            fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
                    company, (dt.date(year, 1, 1), dt.date(year, 12, 31))))
            fiscalyear.click('create_period')
            bar.update()
    return company.id


def setup_people(database, lang):
    """Complete the company address, the employees and the administrator

    Return the ids of the sales representatives."""
    pool = Pool(database)
    Company = pool.get('company.company')
    Employee = pool.get('company.employee')
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    Subdivision = pool.get('country.subdivision')
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    with transaction(database):
        company, = Company.search([], limit=1)
        address = (company.party.addresses[0] if company.party.addresses
            else Address(party=company.party))
        if not address.street_unstructured:
            street_en, street_zh, city_code = COMPANY_ADDRESS
            subdivision, = Subdivision.search(
                [('code', '=', city_code.rsplit('-', 1)[0])])
            address.street_unstructured = tr(lang, street_en, street_zh)
            _, address.city, address.district = address_place(
                lang, city_code)
            address.postal_code = '310051'
            address.country = subdivision.country
            address.subdivision = subdivision
            address.save()
        employees = {e.party.name: e for e in Employee.search([
                    ('company', '=', company.id)])}
        names = [tr(lang, en, zh) for _, en, zh in EMPLOYEES]
        new = [n for n in names if n not in employees]
        parties = Party.create([{'name': n} for n in new])
        for employee in Employee.create([{
                        'party': p.id, 'company': company.id}
                    for p in parties]):
            employees[employee.party.name] = employee

        admin, = User.search([('login', '=', 'admin')])
        language, = Lang.search([('code', '=', lang)])
        values = {}
        # read() hides the hash: fetch it as the login does
        _, password_hash, _ = User._get_login('admin')
        if not password_hash or not User.check_password(
                'admin', password_hash)[0]:
            values['password_hash'] = User.hash_password('admin')
        if admin.email != ADMIN_EMAIL:
            values['email'] = ADMIN_EMAIL
        if lang == 'zh_CN' and admin.name == "Administrator":
            values['name'] = "系统管理员"
        if company not in admin.companies:
            values['companies'] = [('add', [company.id])]
        if admin.company != company:
            values['company'] = company.id
        admin_employee = employees[names[0]]
        if admin_employee not in admin.employees:
            values['employees'] = [('add', [admin_employee.id])]
        if admin.employee != admin_employee:
            values['employee'] = admin_employee.id
        if admin.language != language:
            values['language'] = language.id
        if values:
            User.write([admin], values)

        # The demo is configured: no configuration wizard at admin's login
        ConfigItem = pool.get('ir.module.config_wizard.item')
        items = ConfigItem.search([('state', '!=', 'done')])
        if items:
            ConfigItem.write(items, {'state': 'done'})
        return [employees[n].id for n in names[1:]]


def city_name(code):
    for province, _, _, _, cities in PROVINCES:
        for city, en, zh, _, _ in cities:
            if code == f'CN-{province}-{city}':
                return en, zh
    raise KeyError(code)


# Dealer network

def setup_territories(database, company_id):
    "Create the territory tree China / provinces / cities"
    pool = Pool(database)
    Territory = pool.get('dms.territory')
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    codes = [CHINA[0]] + [f'CN-{p}' for p, *_ in PROVINCES] + [
        f'CN-{p}-{c}' for p, *_, cities in PROVINCES for c, *_ in cities]
    with transaction(database, company=company_id), \
            progress("Territories", len(codes)) as bar:
        existing = {t.code: t for t in Territory.search([])}
        bar.update(len(existing))
        country, = Country.search([('code', '=', CHINA[0])])
        if CHINA[0] not in existing:
            china, = Territory.create([{
                        'name': CHINA[3], 'code': CHINA[0],
                        'level': 'country', 'country': country.id,
                        }])
            translate(Territory, [china], [CHINA[4]])
            existing[china.code] = china
            bar.update()
        subdivisions = {s.code: s for s in Subdivision.search([
                    ('country', '=', country.id)])}
        new, zh_names = [], []
        for code, _, en, zh, _ in PROVINCES:
            code = f'CN-{code}'
            if code not in existing:
                new.append({
                        'name': en, 'code': code, 'level': 'province',
                        'parent': existing[CHINA[0]].id,
                        'country': country.id,
                        'subdivision': subdivisions[code].id,
                        })
                zh_names.append(zh)
        created = Territory.create(new)
        translate(Territory, created, zh_names)
        existing.update((t.code, t) for t in created)
        bar.update(len(created))
        new, zh_names = [], []
        for province, type_, _, _, cities in PROVINCES:
            parent = existing[f'CN-{province}']
            for city, en, zh, _, _ in cities:
                code = f'CN-{province}-{city}'
                if code not in existing:
                    new.append({
                            'name': en, 'code': code,
                            'level': (
                                'district' if type_ == 'municipality'
                                else 'city'),
                            'parent': parent.id,
                            'country': country.id,
                            'subdivision': parent.subdivision.id,
                            })
                    zh_names.append(zh)
        translate(Territory, Territory.create(new), zh_names)
        bar.update(len(new))


def setup_tiers(database, company_id):
    "Create the tiers with their price lists and payment terms"
    pool = Pool(database)
    Tier = pool.get('dms.dealer.tier')
    PriceList = pool.get('product.price_list')
    PaymentTerm = pool.get('account.invoice.payment_term')
    with transaction(database, company=company_id):
        existing = {t.code for t in Tier.search([
                    ('active', 'in', [True, False])])}
        tiers = [t for t in TIERS if t[0] not in existing]
        if not tiers:
            return
        bar = progress("Tiers", len(tiers))
        terms = {t.name: t for t in PaymentTerm.search([])}
        for days in sorted({t[8] for t in tiers}):
            name = f"{days} Days Net"
            if name not in terms:
                terms[name], = PaymentTerm.create([{
                            'name': name,
                            'lines': [('create', [{
                                            'type': 'remainder',
                                            'relativedeltas': [('create', [{
                                                            'days': days,
                                                            }])],
                                            }])],
                            }])
                translate(PaymentTerm, [terms[name]], [f"{days}天账期"])
        price_lists = PriceList.create([{
                    'name': f"{en} Dealer Prices",
                    'company': company_id,
                    'price': 'list_price',
                    'lines': [('create', [{
                                    'formula': (
                                        f"unit_price * Decimal('{factor}')"),
                                    }])],
                    } for _, en, _, _, _, _, _, factor, _, _ in tiers])
        translate(PriceList, price_lists, [
                f"{zh}经销商价格表" for _, _, zh, *_ in tiers])
        created = Tier.create([{
                    'code': code,
                    'name': en,
                    'sequence': sequence,
                    'supply_priority': priority,
                    'marketing_fund_rate': Decimal(rate),
                    'credit_limit_amount': Decimal(credit),
                    'price_list': price_list.id,
                    'payment_term': terms[f"{days} Days Net"].id,
                    'benefits': benefits,
                    } for (code, en, _, sequence, priority, rate, credit, _,
                    days, benefits), price_list in zip(tiers, price_lists)])
        translate(Tier, created, [zh for _, _, zh, *_ in tiers])
        bar.update(len(created))
        bar.close()


def dealer_name(lang, city_code, index):
    city_en, city_zh = city_name(city_code)
    word_en, word_zh = NAME_WORDS[index % len(NAME_WORDS)]
    kind_en, kind_zh = NAME_KINDS[index % len(NAME_KINDS)]
    if lang == 'zh_CN':
        city = city_zh.removesuffix('市').removesuffix('新区').removesuffix('区')
        return f"{city}{word_zh}{kind_zh}"
    return f"{city_en} {word_en} {kind_en}"


def near(rng, value):
    "A coordinate within about 10 km of value"
    return Decimal(str(round(value + rng.uniform(-0.08, 0.08), 6)))


def city_coordinates():
    return {
        f'CN-{province}-{city}': (lat, lon)
        for province, _, _, _, cities in PROVINCES
        for city, _, _, lat, lon in cities}


# A district of each prefecture-level city, for the 省/市/区 addresses (the
# cities of a municipality are its districts)
DISTRICTS = {
    'CN-ZJ-HZ': ("Xihu District", "西湖区"),
    'CN-ZJ-NB': ("Haishu District", "海曙区"),
    'CN-ZJ-WZ': ("Lucheng District", "鹿城区"),
    'CN-GD-GZ': ("Tianhe District", "天河区"),
    'CN-GD-SZ': ("Futian District", "福田区"),
    'CN-GD-FS': ("Chancheng District", "禅城区"),
    'CN-JS-NJ': ("Gulou District", "鼓楼区"),
    'CN-JS-SU': ("Gusu District", "姑苏区"),
    'CN-JS-WX': ("Liangxi District", "梁溪区"),
    'CN-SC-CD': ("Jinjiang District", "锦江区"),
    'CN-SC-MY': ("Fucheng District", "涪城区"),
    }


# Administrative division codes (GB/T 2260), the region part of a unified
# social credit code
REGION_CODES = {
    'CN-ZJ-HZ': '330100', 'CN-ZJ-NB': '330200', 'CN-ZJ-WZ': '330300',
    'CN-GD-GZ': '440100', 'CN-GD-SZ': '440300', 'CN-GD-FS': '440600',
    'CN-JS-NJ': '320100', 'CN-JS-SU': '320500', 'CN-JS-WX': '320200',
    'CN-SC-CD': '510100', 'CN-SC-MY': '510700', 'CN-SH-PD': '310115',
    'CN-SH-MH': '310112', 'CN-BJ-CY': '110105', 'CN-BJ-HD': '110108',
    }


def uscc(city_code, index):
    "A unified social credit code of a company registered in city_code"
    from stdnum.cn import uscc as stdnum_uscc
    body = '91' + REGION_CODES[city_code] + f'MA{index:06d}X'
    return body + stdnum_uscc.calc_check_digit(body)


def address_place(lang, city_code):
    """The province code, the city and the district of an address in the
    city (or district of a municipality) city_code"""
    province_code = city_code.rsplit('-', 1)[0]
    if city_code in DISTRICTS:
        return (province_code, tr(lang, *city_name(city_code)),
            tr(lang, *DISTRICTS[city_code]))
    province = next(p for p in PROVINCES if f'CN-{p[0]}' == province_code)
    return (province_code, tr(lang, province[2], province[3]),
        tr(lang, *city_name(city_code)))


def party_values(lang, name, city_code, street, postal_code, country_id,
        subdivision_id):
    """A party with its address in city_code: the province as subdivision
    (subdivision_id, the city's, when the province is missing), the city and
    the district"""
    pool = Pool()
    Subdivision = pool.get('country.subdivision')
    Lang = pool.get('ir.lang')
    province_code, city, district = address_place(lang, city_code)
    provinces = Subdivision.search([('code', '=', province_code)], limit=1)
    # The language of the dealer's notifications and e-mails
    langs = Lang.search([('code', '=', lang)], limit=1)
    return {
        'name': name,
        'lang': langs[0].id if langs else None,
        'addresses': [('create', [{
                        'street_unstructured': street,
                        'city': city,
                        'district': district,
                        'postal_code': postal_code,
                        'country': country_id,
                        'subdivision': (provinces[0].id if provinces
                            else subdivision_id),
                        }])],
        }


def setup_dealers(database, company_id, admin_id, context, lang, reps):
    "Create the 24 demo dealers, their parties and portal accounts"
    rng = random.Random(SEED)
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    Tier = pool.get('dms.dealer.tier')
    Territory = pool.get('dms.territory')
    Party = pool.get('party.party')
    WebUser = pool.get('web.user')
    today = dt.date.today()
    codes = [f'D{i:04d}' for i in range(1, len(DEALERS) + 1)]
    # draw the random values for all dealers to keep them reproducible
    coordinates = city_coordinates()
    draws = [(
            near(rng, coordinates[city][0]), near(rng, coordinates[city][1]),
            rng.randint(100, 999), rng.randint(200, 2000), rng.choice(reps))
        for city, *_ in DEALERS]
    with transaction(database, admin_id, **context):
        existing = {d.code for d in Dealer.search([('code', 'in', codes)])}
        todo = [i for i, c in enumerate(codes) if c not in existing]
        if not todo:
            return
        tiers = {t.code: t for t in Tier.search([])}
        territories = {t.code: t for t in Territory.search([])}
        with progress("Dealers", len(todo) * 2) as bar:
            parties = Party.create([party_values(
                        lang, dealer_name(lang, DEALERS[i][0], i),
                        DEALERS[i][0],
                        tr(lang, f"{draws[i][2]} Renmin Road",
                            f"人民路{draws[i][2]}号"),
                        f'{draws[i][2]:03d}000',
                        territories[DEALERS[i][0]].country.id,
                        territories[DEALERS[i][0]].subdivision.id)
                    for i in todo])
            dealers = Dealer.create([{
                        'company': company_id,
                        'party': party.id,
                        'code': codes[i],
                        'tier': tiers[DEALERS[i][1]].id,
                        'territory': territories[DEALERS[i][0]].id,
                        'sales_rep': draws[i][4],
                        'latitude': draws[i][0],
                        'longitude': draws[i][1],
                        'since_date': today - dt.timedelta(days=draws[i][3]),
                        'uscc': uscc(DEALERS[i][0], i + 1),
                        'phone': f'+86 139 {5710 + i:04d} {1000 + 37 * i:04d}',
                        'contract_start_date': dt.date(today.year, 1, 1),
                        'contract_end_date': dt.date(today.year, 12, 31),
                        } for i, party in zip(todo, parties)])
            bar.update(len(todo))
            by_code = {d.code: d for d in Dealer.search([
                        ('code', 'in', codes)])}
            parents = []
            for i, dealer in zip(todo, dealers):
                if DEALERS[i][3]:
                    parent = by_code[codes[DEALERS[i][3] - 1]]
                    parents.extend([[dealer], {'parent': parent.id}])
            if parents:
                Dealer.write(*parents)
            create_portal_users(WebUser, dealers)
            by_state = {}
            for i, dealer in zip(todo, dealers):
                by_state.setdefault(DEALERS[i][2], []).append(dealer)
            Dealer.activate(by_state.get('active', [])
                + by_state.get('suspended', [])
                + by_state.get('terminated', []))
            Dealer.suspend(by_state.get('suspended', []))
            Dealer.terminate(by_state.get('terminated', []))
            for dealer in dealers:
                if dealer.code in TIER_CHANGES:
                    tier, reason = TIER_CHANGES[dealer.code]
                    with Transaction().set_context(
                            _dms_tier_change_reason=reason):
                        Dealer.write([dealer], {'tier': tiers[tier].id})
            bar.update(len(todo))


def create_portal_users(WebUser, dealers):
    "An administrator and a buyer account for each dealer"
    emails = {f'{d.code.lower()}.{role}@{PORTAL_DOMAIN}': (d, role)
        for d in dealers for role in ['admin', 'buyer']}
    existing = {u.email for u in WebUser.search([
                ('email', 'in', list(emails)),
                ('active', 'in', [True, False]),
                ])}
    emails = {e: v for e, v in emails.items() if e not in existing}
    # A hash (and salt) per account, as for real accounts: hashing is slow
    # on purpose, so on every core at once (Argon2 releases the GIL)
    with ThreadPoolExecutor(os.cpu_count() or 1) as executor:
        hashes = list(executor.map(
                lambda _: WebUser.hash_password(PORTAL_PASSWORD), emails))
    WebUser.create([{
                'email': email,
                'email_valid': True,
                'password_hash': password_hash,
                'dealer': dealer.id,
                'dealer_role': role,
                'party': dealer.party.id,
                } for (email, (dealer, role)), password_hash in zip(
                emails.items(), hashes)])


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


# Communication

def setup_communication(database, admin_id, context, lang):
    """Bulletins, market feedback and conversations with the dealers

    The bulletins of BULLETINS, published but the last one (receipts and
    inbox notifications for their audience), with the brochure and the
    terms as PDF files; D0001's administrator has read the launch and
    acknowledged nothing.  The feedback of FEEDBACK sent from the portal
    and triaged, answered or closed by the factory; the conversations of
    CHATS on orders of D0001 and D0005.  The demo e-mails no one: the
    e-mails queued for the dealers' users are dropped.

    One transaction: the first bulletin tells that it is done."""
    pool = Pool(database)
    Bulletin = pool.get('dms.bulletin')
    Queue = pool.get('ir.queue')
    with transaction(database, admin_id, **context) as t:
        if Bulletin.search([('title', '=', BULLETINS[0]['title'][0])]):
            return
        with progress("Communication", 3) as bar:
            last = Queue.search([], order=[('id', 'DESC')], limit=1)
            last = last[0].id if last else 0
            create_bulletins(pool)
            bar.update()
            create_feedback(pool, lang)
            bar.update()
            create_chats(pool, lang)
            queued = Queue.search([('id', '>', last)])
            Queue.delete(queued)
            queued = {q.id for q in queued}
            t.tasks[:] = [i for i in t.tasks if i not in queued]
            bar.update()


def create_bulletins(pool):
    "The bulletins of BULLETINS with their files, published but the draft"
    Bulletin = pool.get('dms.bulletin')
    Receipt = pool.get('dms.bulletin.receipt')
    Attachment = pool.get('ir.attachment')
    Dealer = pool.get('dms.dealer')
    Tier = pool.get('dms.dealer.tier')
    Product = pool.get('product.product')
    Sale = pool.get('sale.sale')
    WebUser = pool.get('web.user')
    Company = pool.get('company.company')
    company, = Company.search([], limit=1)
    today = dt.date.today()
    tiers = {t.code: t for t in Tier.search([])}
    dealers = {d.code: d for d in Dealer.search([
                ('code', 'in', ['D0001', 'D0005'])])}
    codes = {c for b in BULLETINS for c in b.get('products', [])}
    products = {p.code: p for p in Product.search([
                ('code', 'in', list(codes))])}
    # The new prices: two products of D0001's orders not shipped yet (not
    # of the other bulletins), 5% up
    platinum = tiers['PLATINUM']
    ordered = sorted({l.product for s in Sale.search([
                    ('dealer', '=', dealers['D0001'].id),
                    ('state', 'in', ['quotation', 'confirmed', 'processing']),
                    ('dms_stage', 'not in', [
                            'shipped', 'delivered', 'cancelled']),
                    ]) for l in s.lines
            if l.product
            and l.product.code not in codes | set(HISTORY_EXCLUDED)},
        key=lambda p: p.code)[:2]
    with Transaction().set_context(company=company.id):
        prices = [{
                'product': p.id,
                'tier': platinum.id,
                'unit_price': (platinum.price_list.compute(
                        p, 1, p.sale_uom) * Decimal('1.05')).quantize(
                    Decimal('1')),
                } for p in ordered]
    values = []
    for bulletin in BULLETINS:
        value = {
            'company': company.id,
            'kind': bulletin['kind'],
            'title': bulletin['title'][0],
            'body': bulletin['body'][0],
            'effective_date': today + dt.timedelta(days=bulletin['days']),
            'acknowledgement_required': bulletin.get('acknowledgement', False),
            'products': [('add', [products[c].id
                            for c in bulletin.get('products', [])])],
            }
        audience = bulletin['audience']
        if isinstance(audience, tuple):
            audience, code = audience
            value[audience] = [('add', [
                        (tiers if audience == 'tiers' else dealers)[code].id])]
        value['audience'] = audience
        if bulletin['kind'] == 'price':
            value['products'] = [('add', [p.id for p in ordered])]
            value['prices'] = [('create', prices)]
        values.append(value)
    records = Bulletin.create(values)
    with Transaction().set_context(language='zh_CN'):
        Bulletin.write(*[x for r, b in zip(records, BULLETINS)
                for x in ([r], {
                        'title': b['title'][1], 'body': b['body'][1]})])
    Attachment.create([{
                'name': b['file'],
                'resource': str(r),
                'type': 'data',
                'data': pdf_file(b['title'][0], b['body'][0]),
                } for r, b in zip(records, BULLETINS) if b.get('file')])
    Bulletin.publish([r for r, b in zip(records, BULLETINS)
            if not b.get('draft')])
    # D0001's administrator has opened the launch
    Receipt.mark_read(records[0], portal_user(WebUser, 'D0001', 'admin'))


def portal_user(WebUser, code, role):
    "The demo portal account of role of the dealer code"
    user, = WebUser.search([
            ('email', '=', f'{code.lower()}.{role}@{PORTAL_DOMAIN}')])
    return user


def create_feedback(pool, lang):
    "The feedback of FEEDBACK, sent from the portal, triaged and answered"
    Feedback = pool.get('dms.feedback')
    WebUser = pool.get('web.user')
    records = []
    for code, role, form, filename, _, _ in FEEDBACK:
        form = {k: tr(lang, *v) if isinstance(v, tuple) else v
            for k, v in form.items()}
        feedback, errors = Feedback.dms_portal_submit(
            portal_user(WebUser, code, role), form, filename=filename,
            data=png_file() if filename else None)
        if errors:
            raise ValueError(f"{code} feedback {form['subject']}: {errors}")
        records.append(feedback)
    for step in ['acknowledge', 'process']:
        getattr(Feedback, step)([r for r, (*_, steps, _) in zip(
                    records, FEEDBACK) if step in steps])
    answers = [x for r, (*_, answer) in zip(records, FEEDBACK) if answer
        for x in ([r], {'answer': tr(lang, *answer)})]
    if answers:
        Feedback.write(*answers)
    Feedback.close([r for r, (*_, steps, _) in zip(records, FEEDBACK)
            if 'close' in steps])


def create_chats(pool, lang):
    """The conversations of CHATS: the dealer's message from the portal,
    the factory's public answer and internal note"""
    Channel = pool.get('ir.chat.channel')
    Sale = pool.get('sale.sale')
    Alert = pool.get('dms.order.alert')
    WebUser = pool.get('web.user')
    for code, order, role, message, filename, answer, note in CHATS:
        if order == 'late':
            alert, = Alert.search([
                    ('dealer.code', '=', code),
                    ('kind', '=', 'late'),
                    ], order=[('id', 'ASC')], limit=1)
            sale = alert.sale
        else:
            sale, = Sale.search([
                    ('dealer.code', '=', code),
                    ('dms_stage', '=', order),
                    ], order=[('sale_date', 'DESC'), ('id', 'DESC')],
                limit=1)
        # In the language of the demo, as the portal writes it
        with Transaction().set_context(language=lang):
            Channel.dms_portal_post(sale, portal_user(WebUser, code, role),
                tr(lang, *message), filename=filename,
                data=png_file((150, 110, 60)) if filename else None)
        Channel.post(sale, tr(lang, *answer), audience='public')
        if note:
            Channel.post(sale, tr(lang, *note), audience='internal')


def pdf_file(title, text):
    "A one-page PDF document of the title and the text (ASCII)"
    def escape(line):
        return line.replace('\\', '\\\\').replace('(', '\\(').replace(
            ')', '\\)').encode('ascii', 'replace')
    lines, words = [], []
    for paragraph in text.splitlines():
        for word in paragraph.split():
            if len(' '.join(words + [word])) > 80:
                lines.append(' '.join(words))
                words = []
            words.append(word)
        lines.append(' '.join(words))
        words = []
    content = b'BT /F1 16 Tf 56 780 Td (%s) Tj /F1 11 Tf 16 TL T* ' % (
        escape(title)) + b''.join(
        b'T* (%s) Tj ' % escape(line) for line in lines) + b'ET'
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] '
        b'/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        b'<< /Length %d >>\nstream\n%s\nendstream' % (
            len(content), content),
        ]
    data = b'%PDF-1.4\n'
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(data))
        data += b'%d 0 obj\n%s\nendobj\n' % (number, obj)
    xref = len(data)
    data += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    data += b''.join(b'%010d 00000 n \n' % o for o in offsets)
    data += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n' % (
        len(objects) + 1, xref) + b'%%EOF\n'
    return data


def png_file(colour=(40, 120, 190), width=64, height=48):
    "A small PNG image of one colour"
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data)))
    rows = b''.join(b'\x00' + bytes(colour) * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0,
                0))
        + chunk(b'IDAT', zlib.compress(rows))
        + chunk(b'IEND', b''))


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


def generate_dealers(database, admin_id, context, count, lang, reps):
    "Active dealers D00001... over the demo territories and tiers"
    if not count:
        return
    rng = random.Random(SEED)
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    Party = pool.get('party.party')
    Tier = pool.get('dms.dealer.tier')
    Territory = pool.get('dms.territory')
    coordinates = city_coordinates()
    today = dt.date.today()
    with transaction(database, admin_id, **context):
        tiers = [t.id for t in Tier.search([])]
        cities = [(t.code, t.id, t.country.id, t.subdivision.id)
            for t in Territory.search([('code', 'in', list(coordinates))])]
    with progress("Generated dealers", count) as bar:
        batch = batch_size()
        for start in range(1, count + 1, batch):
            numbers = range(start, min(start + batch, count + 1))
            draws = [(rng.choice(cities), rng.choice(tiers),
                    rng.choice(reps), rng.randint(1, 999),
                    rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15),
                    rng.randint(30, 3000)) for _ in numbers]
            with transaction(database, admin_id, **context):
                codes = [f'D{n:05d}' for n in numbers]
                existing = {d.code for d in Dealer.search([
                            ('code', 'in', codes)])}
                todo = [(n, c, d) for n, c, d in zip(numbers, codes, draws)
                    if c not in existing]
                parties = Party.create([party_values(
                            lang, dealer_name(lang, city[0], n) + f" {n:05d}",
                            city[0],
                            tr(lang, f"{street} Jiefang Road",
                                f"解放路{street}号"),
                            f'{street:03d}000', city[2], city[3])
                        for n, _, (city, _, _, street, *_) in todo])
                Dealer.create([{
                            'company': context['company'],
                            'party': party.id,
                            'code': code,
                            'state': 'active',
                            'tier': tier,
                            'territory': city[1],
                            'sales_rep': rep,
                            'latitude': Decimal(str(round(
                                        coordinates[city[0]][0] + dlat, 6))),
                            'longitude': Decimal(str(round(
                                        coordinates[city[0]][1] + dlon, 6))),
                            'since_date': today - dt.timedelta(days=days),
                            } for (_, code, (city, tier, rep, _, dlat, dlon,
                                days)), party in zip(todo, parties)])
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


def print_logins(database, admin_id, context, lang):
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    with transaction(database, admin_id, **dict(context, language=lang)):
        dealers = Dealer.search([('code', 'in', ['D0001', 'D0005'])],
            order=[('code', 'ASC')])
        print(f"\nDemo database {database!r} is ready.")
        print("Back office (web client): admin / admin")
        print(f"Dealer portal, password {PORTAL_PASSWORD}:")
        for dealer in dealers:
            for role in ['admin', 'buyer']:
                email = f'{dealer.code.lower()}.{role}@{PORTAL_DOMAIN}'
                print(f"  {email:<34} {role:<6} {dealer.code} "
                    f"{dealer.tier.name} ({dealer.party.name})")


def main(argv=None):
    args = parse_args(argv)
    load_config()
    files_in_database()
    started = time.monotonic()
    database = args.database
    prepare_database(database)
    if args.modules_only:
        print(f"Modules activated in {time.monotonic() - started:.1f} s",
            file=sys.stderr)
        return
    setup_currency_and_country(database)
    company_id = setup_company(database, args.lang)
    reps = setup_people(database, args.lang)
    admin_id, context = admin_context(database)
    setup_territories(database, company_id)
    setup_tiers(database, company_id)
    setup_dealers(database, company_id, admin_id, context, args.lang, reps)
    setup_products(database, company_id, admin_id, context)
    setup_stock(database, admin_id, context)
    setup_sales(database, admin_id, context)
    setup_tracking(database, admin_id, context, args.lang)
    setup_communication(database, admin_id, context, args.lang)
    generate_products(database, admin_id, context, args.products)
    generate_dealers(
        database, admin_id, context, args.dealers, args.lang, reps)
    generate_sales(database, admin_id, context, args.sale_lines)
    print_logins(database, admin_id, context, args.lang)
    print(f"Done in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == '__main__':
    main()
