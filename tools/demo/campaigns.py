"""The demo data of dms_campaigns

Four co-marketing campaigns: one running in Zhejiang with a 10% offer on
three air conditioners, its materials (a poster and a photo of the shelf
display), approved local plans with reported activities, a plan waiting
for the factory, a declined invitation and D0001 still invited (its prices
stay those of its tier: the offer goes to the approved participants
only); one proposed to the Platinum dealers (D0001 among them) for the
launch of the steam oven, one closed in Guangdong (not D0001's) and one
closed a few days ago for D0001 and D0002, without an offer, where D0001's
plan was approved and its claim with its proof waits for the factory.
D0016 claimed the costs of its stand at the Hangzhou home fair (running
campaign): the factory approved part of it and settled it by a draft
credit note on the dealer's account, as the DMS configuration says (credit
note, with the marketing product "Co-marketing support" whose revenue
account is the chart's "Consideration Paid (Payable) To Customers").
The dealers' inboxes hold their invitations and the answers to their
claims, and no e-mail is sent.

The running campaign and the closed one of Guangdong are published to the
factory's "Tmall flagship store" (a channel): the campaigns' runs and close
wrote their webhooks to its outbox, pending until ``make run``'s scheduler
sends them to the demo's mail catcher (its URL
http://127.0.0.1:8025/webhooks/tmall and its secret are the catcher's,
tools/mailcatcher.py), where they are listed at
http://127.0.0.1:8025/webhooks.  The store reported its sales of both
campaigns back through the signed callback's code (``dms.channel.sale``'s
``receive``).

Runs after reports.fill: campaigns create no orders."""
import datetime as dt
import json
import uuid
from decimal import Decimal

from standardwebhooks import Webhook

from trytond.pool import Pool
from trytond.transaction import Transaction

from mailcatcher import DEMO_WEBHOOK_SECRETS

from .common import (
    locking_transaction, pdf_file, png_file, portal_user, progress, tr,
    transaction, translate)

# The marketing product that pays the approved claims (the DMS
# configuration's Marketing Product): a service that is not ordered, in an
# accounting category whose revenue account is the chart's consideration
# paid to customers (IFRS 15), as an administrator sets it up
CLAIM_PRODUCT = {
    'code': 'MKT-SUPPORT',
    'name': ("Co-marketing support", "联合营销支持费"),
    'category': ("Co-marketing", "联合营销"),
    'account': '4.3.2',
    }
# The demo's mail catcher receives the webhooks of the channels (its
# default address, MAIL_WEB of the Makefile)
WEBHOOK_URL = 'http://127.0.0.1:8025/webhooks/%s'
# The channels: key (the name of the catcher's receiver and of its secret),
# name, kind, and the sales they reported back: (campaign, days from today,
# product, quantity, dealer that installs it or None)
CHANNELS = [{
        'key': 'tmall',
        'name': ("Tmall flagship store", "天猫旗舰店"),
        'kind': 'ecommerce',
        'sales': [
            ("Summer cooling days", -9, 'AC-1003', 2, None),
            ("Summer cooling days", -8, 'AC-1004', 1, 'D0016'),
            ("Summer cooling days", -6, 'AC-1003', 1, None),
            ("Summer cooling days", -4, 'AC-1005', 1, 'D0002'),
            ("Summer cooling days", -2, 'AC-1004', 3, None),
            ("Summer cooling days", -1, 'AC-1003', 1, 'D0016'),
            ("Spring washer dryer week", -96, 'WM-3005', 2, None),
            ("Spring washer dryer week", -88, 'WM-3005', 1, 'D0005'),
            ("Spring washer dryer week", -75, 'WM-3005', 1, None),
            ],
        }]

# Each campaign: its state, audience, products, offer, budget, period (days
# from today), materials and the answers of the dealers: (dealer, answer
# 'approved', 'proposed' or 'declined', share of the allocation requested,
# plan or reason (English, Chinese), the factory's comment, activities:
# (days from today, kind, description, participants, gifts, photo)) and
# the claims sent by the dealers: (dealer, amount, description, decision:
# None (waits for the factory) or (state 'approved' or 'settled', approved
# amount, the factory's comment)), and the channels it is published to.
# Texts are (English, Chinese).
CAMPAIGNS = [{
        'name': ("Summer cooling days", "夏日清凉节"),
        'state': 'running',
        'kind': 'promotion',
        'goal': (
            "Sell the inverter and floor air conditioners before the heat "
            "wave: 10% off for the dealers taking part, a shelf display "
            "and a poster for the stores, and a budget for local events.",
            "在热浪来临前推动变频空调和立柜空调销售：参与经销商享受九折，"
            "提供门店展架和海报，并有本地活动预算。"),
        'audience': ('territories', 'CN-ZJ'),
        'products': ['AC-1003', 'AC-1004', 'AC-1005'],
        'discount': Decimal('0.1'),
        'budget': Decimal(60000),
        'allocation_rule': 'tier_rate',
        'days': (-10, 20),
        'deadline': 5,
        'materials': ['summer-cooling-days-poster.pdf', 'shelf-display.png'],
        'channels': ['tmall'],
        'answers': [
            ('D0002', 'approved', Decimal('0.8'), (
                    "Weekend demonstrations in our two Ningbo stores and "
                    "leaflets in the residential compounds nearby.",
                    "在宁波两家门店举办周末演示，并在附近小区派发传单。"),
                ("Approved: send us the photos of the demonstrations.",
                    "已批准：请上传演示活动照片。"), [
                    (-7, 'event', (
                            "Demonstration weekend in the Haishu store.",
                            "海曙门店周末演示活动。"), 120, 40, True),
                    (-3, 'display', (
                            "Shelf display set up at the entrance.",
                            "入口处布置了展架。"), None, None, False),
                    ]),
            ('D0016', 'approved', Decimal('1'), (
                    "A stand at the Hangzhou home fair and an online ad "
                    "in the city's home improvement forum.",
                    "在杭州家装展设展位，并在本地家装论坛投放广告。"),
                ("Approved with the budget requested.",
                    "按申请预算批准。"), [
                    (-5, 'event', (
                            "Stand at the Hangzhou home fair (two days).",
                            "杭州家装展展位（两天）。"), 350, 90, True),
                    ]),
            ('D0003', 'proposed', Decimal('0.5'), (
                    "Posters in the store and a discount day for our "
                    "installers' customers.",
                    "门店张贴海报，并为安装师傅的客户举办优惠日。"),
                None, []),
            ('D0021', 'declined', None, (
                    "Our store is being renovated this month.",
                    "本月门店正在装修。"), None, []),
            ],
        'claims': [
            ('D0016', Decimal(4800), (
                    "Stand at the Hangzhou home fair: rent of the stand "
                    "(3,600) and printing of the leaflets (1,200), invoices "
                    "attached.",
                    "杭州家装展展位：展位租金（3,600）及传单印刷（1,200），"
                    "附发票。"),
                ('settled', Decimal(4200), (
                        "Approved in part: the stand's rent in full, the "
                        "leaflets at the agreed price of 600. Paid by a "
                        "credit note on your account.",
                        "部分批准：展位租金全额报销，传单按约定价格 600 "
                        "报销。已通过贷项通知单计入贵司账户。"))),
            ],
        }, {
        'name': ("Steam oven launch events", "蒸烤一体机新品发布活动"),
        'state': 'proposed',
        'kind': 'launch',
        'goal': (
            "Show the new Steam Oven 50 L to your customers with cooking "
            "demonstrations in the stores. Send your plan and the budget "
            "you need.",
            "通过门店烹饪演示向客户展示新款蒸烤一体机 50升。请提交您的计划"
            "和所需预算。"),
        'audience': ('tiers', 'PLATINUM'),
        'products': ['KA-5004'],
        'discount': None,
        'budget': Decimal(40000),
        'allocation_rule': 'equal',
        'days': (14, 45),
        'deadline': 7,
        'materials': ['steam-oven-demo-guide.pdf'],
        'answers': [
            ('D0012', 'proposed', Decimal('0.9'), (
                    "Two cooking shows in the Pudong store with a chef.",
                    "在浦东门店邀请厨师举办两场烹饪秀。"), None, []),
            ],
        }, {
        'name': ("Spring washer dryer week", "春季洗烘一体机促销周"),
        'state': 'closed',
        'kind': 'promotion',
        'goal': (
            "8% off the washer dryer for the Guangdong dealers, with "
            "demonstrations in the stores.",
            "广东经销商洗烘一体机享受九二折，并在门店举办演示。"),
        'audience': ('territories', 'CN-GD'),
        'products': ['WM-3005'],
        'discount': Decimal('0.08'),
        'budget': Decimal(30000),
        'allocation_rule': 'equal',
        'days': (-100, -70),
        'deadline': -105,
        'materials': ['washer-dryer-week-leaflet.pdf'],
        'channels': ['tmall'],
        'answers': [
            ('D0005', 'approved', Decimal('1'), (
                    "Demonstrations in the Shenzhen store every weekend.",
                    "深圳门店每周末举办演示。"),
                ("Approved.", "已批准。"), [
                    (-90, 'event', (
                            "Drying demonstration with towels.",
                            "毛巾烘干演示。"), 60, 20, True),
                    ]),
            ('D0006', 'declined', None, (
                    "No space for a demonstration in our store.",
                    "门店没有演示空间。"), None, []),
            ],
        }, {
        # The last one: the ids of the campaigns above stay
        'name': ("Autumn kitchen open days", "秋季厨房开放日"),
        'state': 'closed',
        'kind': 'event',
        'goal': (
            "Open days in the stores with cooking demonstrations of the "
            "range hoods and the hobs; the factory pays the approved "
            "costs on the dealers' claims.",
            "在门店举办开放日，现场演示油烟机和灶具烹饪效果；厂家按经销商"
            "的报销申请支付已批准的费用。"),
        'audience': ('dealers', ['D0001', 'D0002']),
        'products': ['KA-5001', 'KA-5002'],
        'discount': None,
        'budget': Decimal(20000),
        'allocation_rule': 'equal',
        'days': (-40, -5),
        'deadline': -45,
        'materials': ['kitchen-open-days-guide.pdf'],
        'answers': [
            ('D0001', 'approved', Decimal('0.6'), (
                    "Two open days in the Hangzhou store with a chef and "
                    "invitations to our customers of the year.",
                    "在杭州门店举办两天开放日，邀请厨师现场演示，并邀请本年度"
                    "客户参加。"),
                ("Approved: claim the costs with the invoices.",
                    "已批准：请凭发票申请报销费用。"), [
                    (-30, 'event', (
                            "Open day with a chef: steamed fish and stir-fry "
                            "on the new hobs.",
                            "厨师开放日：在新款灶具上演示清蒸鱼和小炒。"),
                        80, 30, True),
                    ]),
            ('D0002', 'declined', None, (
                    "Our staff is busy with the summer campaign.",
                    "我们的员工正忙于夏季活动。"), None, []),
            ],
        'claims': [
            ('D0001', Decimal(3000), (
                    "Chef and ingredients of the open day (invoices "
                    "attached).",
                    "开放日厨师及食材费用（附发票）。"), None),
            ],
        },
    ]


def fill(demo):
    "The campaigns with their participations and activities"
    setup_campaigns(demo.database, demo.admin_id, demo.context, demo.lang)


def setup_campaigns(database, admin_id, context, lang):
    """The settlement's configuration, the channels, the campaigns of
    CAMPAIGNS and the channels' sales, in one transaction; the e-mails
    queued for the dealers' users are dropped"""
    pool = Pool(database)
    Campaign = pool.get('dms.campaign')
    with transaction(database, admin_id, **context):
        if Campaign.search([('name', '=', CAMPAIGNS[0]['name'][0])]):
            return
    # The configuration (a singleton created by its first write) and the
    # channels (their sales wait for each other) are locked
    with progress("Campaigns", len(CAMPAIGNS) + 1) as bar:
        locking_transaction(database, admin_id, context,
            lambda t: fill_campaigns(pool, t, lang, bar),
            tables=['dms_configuration', 'dms_channel'])


def fill_campaigns(pool, t, lang, bar):
    "The data of setup_campaigns in the transaction t"
    Queue = pool.get('ir.queue')
    bar.reset()
    last = Queue.search([], order=[('id', 'DESC')], limit=1)
    last = last[0].id if last else 0
    setup_settlement(pool)
    channels = create_channels(pool, lang)
    for values in CAMPAIGNS:
        create_campaign(pool, values, lang, channels)
        bar.update()
    report_channel_sales(pool, channels)
    bar.update()
    queued = Queue.search([('id', '>', last)])
    Queue.delete(queued)
    queued = {q.id for q in queued}
    t.tasks[:] = [i for i in t.tasks if i not in queued]


def setup_settlement(pool):
    """The marketing product that settles the claims by credit note, in its
    accounting category, set in the DMS configuration"""
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    Company = pool.get('company.company')
    Configuration = pool.get('dms.configuration')
    ModelData = pool.get('ir.model.data')
    Template = pool.get('product.template')
    company, = Company.search([], limit=1)
    account, = Account.search([
            ('code', '=', CLAIM_PRODUCT['account']),
            ('company', '=', company.id),
            ('type.revenue', '=', True),
            ])
    category, = Category.create([{
                'name': CLAIM_PRODUCT['category'][0],
                'accounting': True,
                'account_revenue': account.id,
                }])
    translate(Category, [category], [CLAIM_PRODUCT['category'][1]])
    unit = ModelData.get_id('product', 'uom_unit')
    template, = Template.create([{
                'code': CLAIM_PRODUCT['code'],
                'name': CLAIM_PRODUCT['name'][0],
                'type': 'service',
                'salable': True,
                # Not in the dealers' catalogue
                'dms_orderable': False,
                'default_uom': unit,
                'sale_uom': unit,
                'list_price': Decimal(0),
                'account_category': category.id,
                'products': [('create', [{}])],
                }])
    translate(Template, [template], [CLAIM_PRODUCT['name'][1]])
    config = Configuration(1)
    config.claim_settlement = 'credit_note'
    config.claim_product = template.products[0]
    config.save()


def create_channels(pool, lang):
    """The channels of CHANNELS, whose receiver is the demo's mail catcher
    with the secret it knows (given to it, as the Secret wizard would show
    it): {key: channel}"""
    Channel = pool.get('dms.channel')
    Company = pool.get('company.company')
    company, = Company.search([], limit=1)
    channels = Channel.create([{
                'company': company.id,
                'name': tr(lang, *values['name']),
                'kind': values['kind'],
                'url': WEBHOOK_URL % values['key'],
                'secret': DEMO_WEBHOOK_SECRETS[values['key']],
                'secret_shown': True,
                } for values in CHANNELS])
    return {v['key']: c for v, c in zip(CHANNELS, channels)}


def report_channel_sales(pool, channels):
    """The sales the channels reported back, each posted as its signed
    callback is: through dms.channel.sale's receive()"""
    Campaign = pool.get('dms.campaign')
    Company = pool.get('company.company')
    Product = pool.get('product.product')
    Sale = pool.get('dms.channel.sale')
    company, = Company.search([], limit=1)
    today = dt.date.today()
    campaigns = {c.name: c for c in Campaign.search([
                ('name', 'in', [c['name'][0] for c in CAMPAIGNS]),
                ])}
    for values in CHANNELS:
        channel = channels[values['key']]
        webhook = Webhook(DEMO_WEBHOOK_SECRETS[values['key']])
        for number, (name, days, code, quantity, dealer) in enumerate(
                values['sales'], 1):
            campaign = campaigns[name]
            product, = Product.search([('code', '=', code)])
            date = today + dt.timedelta(days=days)
            amount = (product.list_price_used * quantity
                * (1 - (campaign.discount or 0))).quantize(Decimal('0.01'))
            body = json.dumps({
                    'id': 'TM%s%04d' % (date.strftime('%Y%m%d'), number),
                    'campaign': campaign.id,
                    'date': date.isoformat(),
                    'amount': str(amount),
                    'currency': company.currency.code,
                    'quantity': quantity,
                    'product': code,
                    'dealer': dealer,
                    }).encode()
            webhook_id = 'msg_' + uuid.uuid4().hex
            now = dt.datetime.now(dt.timezone.utc)
            status, _ = Sale.receive(channel.id, body, {
                    'webhook-id': webhook_id,
                    'webhook-timestamp': str(int(now.timestamp())),
                    'webhook-signature': webhook.sign(webhook_id, now, body),
                    })
            assert status == 201, status


def create_campaign(pool, values, lang, channels):
    """Create the campaign, allocate its budget, propose it to its audience,
    answer for the dealers and bring it to its state"""
    Campaign = pool.get('dms.campaign')
    Participation = pool.get('dms.campaign.participation')
    Activity = pool.get('dms.campaign.activity')
    Attachment = pool.get('ir.attachment')
    Company = pool.get('company.company')
    Dealer = pool.get('dms.dealer')
    Product = pool.get('product.product')
    Territory = pool.get('dms.territory')
    Tier = pool.get('dms.dealer.tier')
    WebUser = pool.get('web.user')
    company, = Company.search([], limit=1)
    today = dt.date.today()
    start, end = (today + dt.timedelta(days=d) for d in values['days'])
    audience, code = values['audience']
    Target = {'territories': Territory, 'tiers': Tier, 'dealers': Dealer}[
        audience]
    targets = Target.search([('code', 'in', code if isinstance(code, list)
                else [code])])
    campaign, = Campaign.create([{
                'company': company.id,
                'name': values['name'][0],
                'kind': values['kind'],
                'goal': values['goal'][0],
                'start_date': start,
                'end_date': end,
                'proposal_deadline': today + dt.timedelta(
                    days=values['deadline']),
                'audience': audience,
                audience: [('add', [t.id for t in targets])],
                'products': [('add', [p.id for p in Product.search([
                                    ('code', 'in', values['products'])])])],
                'budget': values['budget'],
                'allocation_rule': values['allocation_rule'],
                'discount': values['discount'],
                'channels': [('add', [channels[k].id
                            for k in values.get('channels', [])])],
                }])
    with Transaction().set_context(language='zh_CN'):
        Campaign.write([campaign], {
                'name': values['name'][1],
                'goal': values['goal'][1],
                })
    Attachment.create([{
                'name': name,
                'resource': str(campaign),
                'type': 'data',
                'data': (png_file((230, 140, 40), 96, 64)
                    if name.endswith('.png') else pdf_file(
                        values['name'][0], values['goal'][0])),
                } for name in values['materials']])
    Campaign.allocate([campaign])
    Campaign.propose([campaign])
    participations = {p.dealer.code: p for p in Participation.search([
                ('campaign', '=', campaign.id),
                ])}
    approved = []
    for code, answer, share, text, comment, _ in values['answers']:
        participation = participations[code]
        user = portal_user(WebUser, code, 'admin')
        if answer == 'declined':
            participation.decline(tr(lang, *text), user)
            continue
        participation.submit({
                'plan_start': start,
                'plan_end': end,
                'plan': tr(lang, *text),
                'expected_sales': (participation.allocation * 8).quantize(
                    Decimal(100)),
                'requested_budget': (participation.allocation * share
                    ).quantize(Decimal(1)),
                }, user)
        if answer == 'approved':
            participation.comment = tr(lang, *comment)
            participation.save()
            approved.append(participation)
    if approved:
        Participation.approve(approved)
    activities, photos = [], []
    for code, _, _, _, _, reported in values['answers']:
        user = portal_user(WebUser, code, 'admin')
        for days, kind, description, people, gifts, photo in reported:
            activities.append({
                    'participation': participations[code].id,
                    'date': today + dt.timedelta(days=days),
                    'kind': kind,
                    'description': tr(lang, *description),
                    'participants': people,
                    'gifts': gifts,
                    'reported_by': user.id,
                    })
            photos.append(photo)
    activities = Activity.create(activities)
    for activity, photo in zip(activities, photos):
        if photo:
            Attachment.dms_upload(activity, 'activity-%s.png' % activity.id,
                png_file((60, 150, 90)))
    if values['state'] in {'running', 'closed'}:
        Campaign.approve([campaign])
        Campaign.run([campaign])
    if values['state'] == 'closed':
        Campaign.close([campaign])
    send_claims(pool, participations, values.get('claims', []), lang)


def send_claims(pool, participations, claims, lang):
    """Send the claims of the dealers with an invoice as their proof; the
    factory approves (for the amount it grants, with its comment) and
    settles those it decided"""
    Claim = pool.get('dms.campaign.claim')
    Attachment = pool.get('ir.attachment')
    WebUser = pool.get('web.user')
    for code, amount, description, decision in claims:
        claim, = Claim.create([{
                    'participation': participations[code].id,
                    'amount': amount,
                    'description': tr(lang, *description),
                    }])
        Attachment.dms_upload(claim, 'invoice-%s.pdf' % claim.id,
            pdf_file("Invoice", description[0]))
        Claim.send([claim], web_user=portal_user(WebUser, code, 'admin'))
        if decision is None:
            continue
        state, approved, comment = decision
        claim.approved_amount = approved
        claim.comment = tr(lang, *comment)
        claim.save()
        Claim.approve([claim])
        if state == 'settled':
            Claim.settle([claim])
