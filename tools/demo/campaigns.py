"""The demo data of dms_campaigns

Three co-marketing campaigns: one running in Zhejiang with a 10% offer on
three air conditioners, its materials (a poster and a photo of the shelf
display), approved local plans with reported activities, a plan waiting
for the factory, a declined invitation and D0001 still invited (its prices
stay those of its tier: the offer goes to the approved participants
only); one proposed to the Platinum dealers (D0001 among them) for the
launch of the steam oven, one closed in Guangdong (not D0001's) and one
closed a few days ago for D0001 and D0002, without an offer, where D0001's
plan was approved and its claim with its proof waits for the factory.
The dealers' inboxes hold their invitations, and no e-mail is sent.

Runs after reports.fill: campaigns create no orders."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import pdf_file, png_file, portal_user, progress, tr, transaction

# Each campaign: its state, audience, products, offer, budget, period (days
# from today), materials and the answers of the dealers: (dealer, answer
# 'approved', 'proposed' or 'declined', share of the allocation requested,
# plan or reason (English, Chinese), the factory's comment, activities:
# (days from today, kind, description, participants, gifts, photo)) and
# the claims sent by the dealers: (dealer, amount, description).
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
                    "开放日厨师及食材费用（附发票）。")),
            ],
        },
    ]


def fill(demo):
    "The campaigns with their participations and activities"
    setup_campaigns(demo.database, demo.admin_id, demo.context, demo.lang)


def setup_campaigns(database, admin_id, context, lang):
    """The campaigns of CAMPAIGNS, in one transaction; the e-mails queued
    for the dealers' users are dropped"""
    pool = Pool(database)
    Campaign = pool.get('dms.campaign')
    Queue = pool.get('ir.queue')
    with transaction(database, admin_id, **context) as t:
        if Campaign.search([('name', '=', CAMPAIGNS[0]['name'][0])]):
            return
        with progress("Campaigns", len(CAMPAIGNS)) as bar:
            last = Queue.search([], order=[('id', 'DESC')], limit=1)
            last = last[0].id if last else 0
            for values in CAMPAIGNS:
                create_campaign(pool, values, lang)
                bar.update()
            queued = Queue.search([('id', '>', last)])
            Queue.delete(queued)
            queued = {q.id for q in queued}
            t.tasks[:] = [i for i in t.tasks if i not in queued]


def create_campaign(pool, values, lang):
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
    "Send the claims of the dealers with an invoice as their proof"
    Claim = pool.get('dms.campaign.claim')
    Attachment = pool.get('ir.attachment')
    WebUser = pool.get('web.user')
    for code, amount, description in claims:
        claim, = Claim.create([{
                    'participation': participations[code].id,
                    'amount': amount,
                    'description': tr(lang, *description),
                    }])
        Attachment.dms_upload(claim, 'invoice-%s.pdf' % claim.id,
            pdf_file("Invoice", description[0]))
        Claim.send([claim], web_user=portal_user(WebUser, code, 'admin'))
