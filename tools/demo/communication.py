"""The demo data of dms_communication

Bulletins (a product launch to every dealer with its brochure, a recall to
a tier to acknowledge, a pending price change of D0001's tier that affects
its open orders, a policy for D0005 alone and a draft), market feedback of
a few dealers triaged and answered by the factory, and conversations on
orders of D0001 and D0005; the dealers' inboxes hold their notifications,
and no e-mail is sent.

Runs after orders.fill: the price change is on D0001's open orders, the
conversations on D0001's late order and D0005's delivered one."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import (
    pdf_file, png_file, portal_user, progress, tr, transaction)
from .orders import HISTORY_EXCLUDED


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


def fill(demo):
    "The bulletins, feedback and conversations"
    setup_communication(demo.database, demo.admin_id, demo.context,
        demo.lang)


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
