# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Bulletins of the factory to its dealers: an audience (all dealers, tiers,
territories or chosen dealers), a workflow draft → published → archived,
one receipt per dealer telling who read and who acknowledged, and for a
price change the new prices written into the tier price lists on their
effective date"""
import datetime as dt
from collections import defaultdict

from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.product import price_digits
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from dms_dealer.domain import rec_name_domain

from .exceptions import BulletinError

KINDS = [
    ('launch', "New Product"),
    ('specification', "Specification Change"),
    ('price', "Price Change"),
    ('recall', "Recall"),
    ('policy', "Policy"),
    ('general', "General"),
    ]
AUDIENCES = [
    ('all', "All Dealers"),
    ('tiers', "Tiers"),
    ('territories', "Territories"),
    ('dealers', "Dealers"),
    ]
MAX_BODY_SIZE = 20000
# Checked in validate_fields: a Char's size widens its entry in the web
# client to that many characters
MAX_TITLE_SIZE = 200
OPEN_ORDER_STATES = ['quotation', 'confirmed', 'processing']
# The dealers a bulletin reaches and who may read it in the portal
AUDIENCE_DEALER_STATES = ['active', 'suspended']


class Bulletin(Workflow, ModelSQL, ModelView, ChatMixin):
    __string__ = "Bulletin"
    __name__ = 'dms.bulletin'
    _rec_name = 'title'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states=_states)
    title = fields.Char(
        "Title", required=True, translate=True, states=_states)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    body = fields.Text(
        "Body", required=True, translate=True, states=_states)
    effective_date = fields.Date(
        "Effective Date",
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('kind') == 'price',
            },
        help="When the change takes effect; a price change updates the "
        "price lists on that day.")
    acknowledgement_required = fields.Boolean(
        "Acknowledgement Required", states=_states,
        help="Each dealer of the audience must confirm it has taken note.")
    audience = fields.Selection(
        AUDIENCES, "Audience", required=True, states=_states)
    tiers = fields.Many2Many(
        'dms.bulletin-dms.dealer.tier', 'bulletin', 'tier', "Tiers",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('audience') != 'tiers',
            'required': Eval('audience') == 'tiers',
            })
    territories = fields.Many2Many(
        'dms.bulletin-dms.territory', 'bulletin', 'territory',
        "Territories",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('audience') != 'territories',
            'required': Eval('audience') == 'territories',
            },
        help="The dealers of these territories and of the territories "
        "below them.")
    dealers = fields.Many2Many(
        'dms.bulletin-dms.dealer', 'bulletin', 'dealer', "Dealers",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('audience') != 'dealers',
            'required': Eval('audience') == 'dealers',
            })
    products = fields.Many2Many(
        'dms.bulletin-product.product', 'bulletin', 'product',
        "Products", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    prices = fields.One2Many(
        'dms.bulletin.price', 'bulletin', "New Prices",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('kind') != 'price',
            })
    prices_applied = fields.Boolean(
        "Prices Applied", readonly=True,
        states={
            'invisible': Eval('kind') != 'price',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('published', "Published"),
            ('archived', "Archived"),
            ], "State", required=True, readonly=True, sort=False)
    published_at = fields.Timestamp("Published At", readonly=True)
    published_by = fields.Many2One(
        'res.user', "Published By", readonly=True)
    receipts = fields.One2Many(
        'dms.bulletin.receipt', 'bulletin', "Receipts", readonly=True)
    dealer_count = fields.Function(
        fields.Integer("Dealers"), 'get_counts')
    read_count = fields.Function(
        fields.Integer("Read"), 'get_counts')
    acknowledged_count = fields.Function(
        fields.Integer("Acknowledged"), 'get_counts')
    affected_orders = fields.Function(
        fields.Many2Many('sale.sale', None, None, "Affected Open Orders",
            states={
                'invisible': Eval('kind') != 'price',
                },
            help="The open orders of dealers whose prices change, with "
            "products of the bulletin."),
        'get_affected_orders')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [
            ('published_at', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    (t.company, Index.Range())),
                Index(t, (t.kind, Index.Equality()),
                    (t.effective_date, Index.Range()),
                    where=(t.state == 'published')
                    & (t.prices_applied == False)),  # noqa: E712
                })
        cls._transitions |= {
            ('draft', 'published'),
            ('published', 'archived'),
            ('archived', 'published'),
            }
        cls._buttons.update({
                'publish': {
                    'invisible': Eval('state') == 'published',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'archive': {
                    'invisible': Eval('state') != 'published',
                    'icon': 'tryton-archive',
                    'depends': ['state'],
                    },
                'remind': {
                    'invisible': Eval('state') != 'published',
                    'icon': 'tryton-notification',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'general'

    @classmethod
    def default_audience(cls):
        return 'all'

    @classmethod
    def default_acknowledgement_required(cls):
        return False

    @classmethod
    def default_prices_applied(cls):
        return False

    @property
    def dms_portal_path(self):
        return 'bulletins/%s' % self.id

    def _translated(self, name):
        "A callable reading the field in the language of the context"
        return lambda: getattr(self.__class__(self.id), name)

    def _translated_excerpt(self):
        "A callable giving the excerpt of the body in the context's language"
        Notification = Pool().get('dms.dealer.notification')
        body = self._translated('body')
        return lambda: Notification.excerpt(body())

    @classmethod
    def validate_fields(cls, bulletins, field_names):
        super().validate_fields(bulletins, field_names)
        if not field_names or 'title' in field_names:
            for bulletin in bulletins:
                if len(bulletin.title or '') > MAX_TITLE_SIZE:
                    raise BulletinError(gettext(
                            'dms_communication.msg_bulletin_title_size',
                            size=MAX_TITLE_SIZE))
        if not field_names or 'body' in field_names:
            for bulletin in bulletins:
                if len(bulletin.body or '') > MAX_BODY_SIZE:
                    raise BulletinError(gettext(
                            'dms_communication.msg_bulletin_body_size',
                            bulletin=bulletin.rec_name,
                            size=MAX_BODY_SIZE))

    @classmethod
    def check_modification(cls, mode, bulletins, values=None, external=False):
        super().check_modification(
            mode, bulletins, values=values, external=external)
        if mode == 'delete':
            for bulletin in bulletins:
                if bulletin.state != 'draft':
                    raise BulletinError(gettext(
                            'dms_communication.msg_bulletin_delete_published',
                            bulletin=bulletin.rec_name))

    @classmethod
    def copy(cls, bulletins, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('receipts', None)
        default.setdefault('published_at', None)
        default.setdefault('published_by', None)
        default.setdefault('prices_applied', False)
        return super().copy(bulletins, default=default)

    def audience_domain(self):
        "The domain of the dealers the bulletin is addressed to"
        domain = [
            ('company', '=', self.company.id),
            ('state', 'in', AUDIENCE_DEALER_STATES),
            ]
        if self.audience == 'tiers':
            domain.append(('tier', 'in', [t.id for t in self.tiers]))
        elif self.audience == 'territories':
            domain.append(('territory', 'child_of',
                    [t.id for t in self.territories], 'parent'))
        elif self.audience == 'dealers':
            domain.append(('id', 'in', [d.id for d in self.dealers]))
        return domain

    @classmethod
    def dealer_domain(cls, dealer):
        "The domain of the published bulletins the dealer may read"
        pool = Pool()
        Territory = pool.get('dms.territory')
        territories = [t.id for t in Territory.search([
                    ('parent', 'parent_of', [dealer.territory.id]),
                    ])] if dealer.territory else []
        return [
            ('company', '=', dealer.company.id),
            ('state', '=', 'published'),
            ['OR',
                ('audience', '=', 'all'),
                [('audience', '=', 'tiers'),
                    ('tiers', '=', dealer.tier.id if dealer.tier else -1)],
                [('audience', '=', 'territories'),
                    ('territories', 'in', territories or [-1])],
                [('audience', '=', 'dealers'),
                    ('dealers', '=', dealer.id)],
                # Addressed to the dealer when it was published
                ('receipts.dealer', '=', dealer.id),
                ],
            ]

    @classmethod
    def of_dealer(cls, dealer, kind=None, ids=None, **kwargs):
        "The published bulletins the dealer may read"
        if dealer.state not in AUDIENCE_DEALER_STATES:
            return []
        domain = cls.dealer_domain(dealer)
        if kind:
            domain.append(('kind', '=', kind))
        if ids is not None:
            domain.append(('id', 'in', ids))
        return cls.search(domain, **kwargs)

    @classmethod
    def get_counts(cls, bulletins, names):
        pool = Pool()
        Receipt = pool.get('dms.bulletin.receipt')
        receipt = Receipt.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {b.id: 0 for b in bulletins} for n in names}
        for sub in grouped_slice(
                [b.id for b in bulletins], backend.MAX_QUERY_PARAMS):
            cursor.execute(*receipt.select(
                    receipt.bulletin, Count(receipt.id),
                    Count(receipt.read_at), Count(receipt.acknowledged_at),
                    where=receipt.bulletin.in_(list(sub)),
                    group_by=[receipt.bulletin]))
            for bulletin, total, read, acknowledged in cursor:
                for name, value in [('dealer_count', total),
                        ('read_count', read),
                        ('acknowledged_count', acknowledged)]:
                    if name in result:
                        result[name][bulletin] = value
        return result

    @classmethod
    def get_affected_orders(cls, bulletins, name):
        pool = Pool()
        Sale = pool.get('sale.sale')
        result = {}
        for bulletin in bulletins:
            result[bulletin.id] = [
                s.id for s in Sale.search(bulletin._affected_orders_domain())
                ] if bulletin.kind == 'price' and bulletin.prices else []
        return result

    def _affected_orders_domain(self, dealer=None):
        "The open orders whose dealer gets a new price for a product"
        by_tier = defaultdict(set)
        for line in self.prices:
            by_tier[line.tier.id if line.tier else None].add(line.product.id)
        clauses = ['OR']
        for tier, products in by_tier.items():
            clause = [('lines.product', 'in', list(products))]
            if tier:
                clause.append(('dealer.tier', '=', tier))
            clauses.append(clause)
        domain = [
            ('company', '=', self.company.id),
            ('state', 'in', OPEN_ORDER_STATES),
            # Processing orders already shipped in full wait only for
            # their invoice
            ('shipment_state', '!=', 'sent'),
            ('dealer', '!=', None),
            clauses,
            ]
        if dealer:
            domain.append(('dealer', '=', dealer.id))
        return domain

    def prices_of(self, dealer):
        """The new prices the dealer gets: per product, the line of its
        tier, else the line without tier"""
        prices = {}
        for line in self.prices:
            if line.tier and line.tier != dealer.tier:
                continue
            if line.tier or line.product not in prices:
                prices[line.product] = line
        return list(prices.values())

    def affected_orders_of(self, dealer):
        "The open orders of the dealer affected by the price change"
        pool = Pool()
        Sale = pool.get('sale.sale')
        if self.kind != 'price' or not self.prices:
            return []
        return Sale.search(self._affected_orders_domain(dealer),
            order=[('sale_date', 'DESC NULLS FIRST'), ('id', 'DESC')])

    def check_publishable(self):
        if self.audience == 'tiers' and not self.tiers:
            raise BulletinError(gettext(
                    'dms_communication.msg_bulletin_no_tiers',
                    bulletin=self.rec_name))
        if self.audience == 'territories' and not self.territories:
            raise BulletinError(gettext(
                    'dms_communication.msg_bulletin_no_territories',
                    bulletin=self.rec_name))
        if self.audience == 'dealers' and not self.dealers:
            raise BulletinError(gettext(
                    'dms_communication.msg_bulletin_no_dealers',
                    bulletin=self.rec_name))
        if self.kind == 'price':
            if not self.prices:
                raise BulletinError(gettext(
                        'dms_communication.msg_bulletin_no_prices',
                        bulletin=self.rec_name))
            if not self.effective_date:
                raise BulletinError(gettext(
                        'dms_communication.msg_bulletin_no_effective_date',
                        bulletin=self.rec_name))
            for line in self.prices:
                if line.tier and not line.tier.price_list:
                    raise BulletinError(gettext(
                            'dms_communication.msg_bulletin_tier_price_list',
                            bulletin=self.rec_name, tier=line.tier.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, bulletins):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Receipt = pool.get('dms.bulletin.receipt')
        Notification = pool.get('dms.dealer.notification')
        Date = pool.get('ir.date')
        now = dt.datetime.now()
        first = [b for b in bulletins if not b.published_at]
        for bulletin in bulletins:
            bulletin.check_publishable()
        cls.write(first, {
                'published_at': now,
                'published_by': Transaction().user or None,
                })
        for bulletin in first:
            dealers = Dealer.search(bulletin.audience_domain())
            to_create = [{'bulletin': bulletin.id, 'dealer': d.id}
                for d in dealers]
            for sub in grouped_slice(to_create, 500):
                Receipt.create(list(sub))
            Notification.notify_dealers(dealers, 'bulletin', bulletin,
                'dms_communication.msg_notification_bulletin',
                {'title': bulletin._translated('title')},
                text=bulletin._translated_excerpt())
        today = Date.today()
        due = [b for b in bulletins
            if b.kind == 'price' and not b.prices_applied
            and b.effective_date and b.effective_date <= today]
        if due:
            cls.apply_prices(due)

    @classmethod
    @ModelView.button
    @Workflow.transition('archived')
    def archive(cls, bulletins):
        pass

    @classmethod
    @ModelView.button
    def remind(cls, bulletins):
        "Remind the dealers that have not read or not acknowledged"
        pool = Pool()
        Receipt = pool.get('dms.bulletin.receipt')
        receipts = [r for b in bulletins if b.state == 'published'
            for r in b.receipts if r.pending]
        if receipts:
            Receipt.remind(receipts)

    @classmethod
    def apply_prices(cls, bulletins=None):
        """Write the new prices of the price-change bulletins that take
        effect (all those due today without argument: the scheduled job)"""
        pool = Pool()
        Date = pool.get('ir.date')
        Price = pool.get('dms.bulletin.price')
        if bulletins is None:
            bulletins = cls.search([
                    ('state', '=', 'published'),
                    ('kind', '=', 'price'),
                    ('prices_applied', '=', False),
                    ('effective_date', '<=', Date.today()),
                    ])
        bulletins = [b for b in bulletins if not b.prices_applied]
        if not bulletins:
            return
        Price.apply([p for b in bulletins for p in b.prices])
        cls.write(bulletins, {'prices_applied': True})
        cls.chat_post(
            bulletins, 'dms_communication.msg_bulletin_prices_applied')


class Bulletin_Tier(ModelSQL):
    __string__ = "Bulletin - Tier"
    __name__ = 'dms.bulletin-dms.dealer.tier'
    bulletin = fields.Many2One(
        'dms.bulletin', "Bulletin", required=True, ondelete='CASCADE')
    tier = fields.Many2One(
        'dms.dealer.tier', "Tier", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Read and changed with its bulletin, under its rules
        cls.__access__.add('bulletin')


class Bulletin_Territory(ModelSQL):
    __string__ = "Bulletin - Territory"
    __name__ = 'dms.bulletin-dms.territory'
    bulletin = fields.Many2One(
        'dms.bulletin', "Bulletin", required=True, ondelete='CASCADE')
    territory = fields.Many2One(
        'dms.territory', "Territory", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Read and changed with its bulletin, under its rules
        cls.__access__.add('bulletin')


class Bulletin_Dealer(ModelSQL):
    __string__ = "Bulletin - Dealer"
    __name__ = 'dms.bulletin-dms.dealer'
    bulletin = fields.Many2One(
        'dms.bulletin', "Bulletin", required=True, ondelete='CASCADE')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Read and changed with its bulletin, under its rules
        cls.__access__.add('bulletin')


class Bulletin_Product(ModelSQL):
    __string__ = "Bulletin - Product"
    __name__ = 'dms.bulletin-product.product'
    bulletin = fields.Many2One(
        'dms.bulletin', "Bulletin", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Read and changed with its bulletin, under its rules
        cls.__access__.add('bulletin')


class Price(ModelSQL, ModelView):
    __string__ = "Bulletin Price"
    __name__ = 'dms.bulletin.price'
    bulletin = fields.Many2One(
        'dms.bulletin', "Bulletin", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        domain=[
            ('salable', '=', True),
            ])
    tier = fields.Many2One(
        'dms.dealer.tier', "Tier", ondelete='RESTRICT',
        help="The tier whose price list gets the new price.\n"
        "Leave empty to change the list price of the variant, from which "
        "the price lists compute the prices of every tier.")
    unit_price = fields.Numeric(
        "New Price", digits=price_digits, required=True,
        domain=[
            ('unit_price', '>', 0),
            ])
    current_price = fields.Function(
        fields.Numeric("Current Price", digits=price_digits),
        'get_current_price')
    applied_at = fields.Timestamp("Applied At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('bulletin')
        t = cls.__table__()
        cls._sql_constraints += [
            ('product_tier_unique', Unique(t, t.bulletin, t.product, t.tier),
                'dms_communication.msg_bulletin_price_unique'),
            ]

    def get_current_price(self, name):
        "The price today: of the tier's price list, or the list price"
        product = self.product
        if not product:
            return
        if self.tier:
            if not self.tier.price_list:
                return
            with Transaction().set_context(
                    company=self.bulletin.company.id):
                return self.tier.price_list.compute(
                    product, 1, product.sale_uom)
        return product.list_price_used

    @classmethod
    def apply(cls, prices):
        """Write the prices: the list price of the products, or a line of
        the tier's price list put before the other lines"""
        pool = Pool()
        Product = pool.get('product.product')
        PriceListLine = pool.get('product.price_list.line')
        now = dt.datetime.now()
        by_price_list = defaultdict(list)
        products = []
        for price in prices:
            if price.tier:
                by_price_list[price.tier.price_list].append(price)
            else:
                # The variant's own list price, used before the template's
                products.extend(([price.product],
                        {'list_price': price.unit_price}))
        if products:
            Product.write(*products)
        for price_list, list_prices in by_price_list.items():
            lines = list(price_list.lines)
            own = {}
            for line in lines:
                if (line.product and line.category is None
                        and not line.quantity):
                    own.setdefault(line.product, line)
            first = []
            for price in list_prices:
                formula = str(price.unit_price)
                line = own.get(price.product)
                if line:
                    if line.formula != formula:
                        PriceListLine.write([line], {'formula': formula})
                else:
                    line, = PriceListLine.create([{
                                'price_list': price_list.id,
                                'product': price.product.id,
                                'formula': formula,
                                }])
                first.append(line)
            first_ids = {l.id for l in first}
            ordered = first + [l for l in lines if l.id not in first_ids]
            to_write = []
            for sequence, line in enumerate(ordered, 1):
                if line.sequence != sequence:
                    to_write.extend(([line], {'sequence': sequence}))
            if to_write:
                PriceListLine.write(*to_write)
        cls.write(list(prices), {'applied_at': now})


class Receipt(ModelSQL, ModelView, ChatMixin):
    __string__ = "Bulletin Receipt"
    __name__ = 'dms.bulletin.receipt'
    bulletin = fields.Many2One(
        'dms.bulletin', "Bulletin", required=True, readonly=True,
        ondelete='CASCADE')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, readonly=True,
        ondelete='CASCADE')
    read_at = fields.Timestamp("Read At", readonly=True)
    read_by = fields.Many2One('web.user', "Read By", readonly=True)
    acknowledged_at = fields.Timestamp(
        "Acknowledged At", readonly=True,
        states={
            'invisible': ~Eval('acknowledgement_required'),
            })
    acknowledged_by = fields.Many2One(
        'web.user', "Acknowledged By", readonly=True,
        states={
            'invisible': ~Eval('acknowledgement_required'),
            })
    acknowledgement_required = fields.Function(
        fields.Boolean("Acknowledgement Required"),
        'on_change_with_acknowledgement_required')
    pending = fields.Function(fields.Boolean("Pending",
            help="The dealer has not read or not acknowledged yet."),
        'get_pending', searcher='search_pending')
    reminded_at = fields.Timestamp("Reminded At", readonly=True)
    reminder_count = fields.Integer("Reminders", readonly=True)
    status = fields.Function(fields.Selection([
                ('unread', "Not Read"),
                ('read', "Read"),
                ('acknowledged', "Acknowledged"),
                ], "Status"), 'get_status', searcher='search_status')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Not cls.__access__ of the bulletin: its users would get the
        # bulletin's write, create and delete permissions on the receipts
        t = cls.__table__()
        cls._order = [('bulletin', 'DESC'), ('dealer', 'ASC'), ('id', 'ASC')]
        cls._sql_constraints += [
            ('bulletin_dealer_unique', Unique(t, t.bulletin, t.dealer),
                'dms_communication.msg_bulletin_receipt_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.dealer, Index.Range())))
        cls._buttons.update({
                'remind': {
                    'invisible': ~Eval('pending'),
                    'icon': 'tryton-notification',
                    'depends': ['pending'],
                    },
                })

    @classmethod
    def default_reminder_count(cls):
        return 0

    @fields.depends('bulletin', '_parent_bulletin.acknowledgement_required')
    def on_change_with_acknowledgement_required(self, name=None):
        return bool(self.bulletin and self.bulletin.acknowledgement_required)

    def get_rec_name(self, name):
        return '%s: %s' % (self.bulletin.rec_name, self.dealer.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'bulletin.rec_name', 'dealer.rec_name')

    def get_status(self, name):
        if self.acknowledged_at:
            return 'acknowledged'
        elif self.read_at:
            return 'read'
        return 'unread'

    @classmethod
    def search_status(cls, name, clause):
        _, operator, value = clause
        values = value if isinstance(value, (list, tuple)) else [value]
        if operator in {'!=', 'not in'}:
            values = [v for v in ['unread', 'read', 'acknowledged']
                if v not in values]
        clauses = {
            'unread': [('read_at', '=', None)],
            'read': [('read_at', '!=', None), ('acknowledged_at', '=', None)],
            'acknowledged': [('acknowledged_at', '!=', None)],
            }
        domain = ['OR'] + [clauses[v] for v in values if v in clauses]
        return domain if len(domain) > 1 else [('id', '=', -1)]

    def get_pending(self, name):
        "Whether the dealer still has to read or to acknowledge"
        if self.bulletin.acknowledgement_required:
            return not self.acknowledged_at
        return not self.read_at

    @classmethod
    def search_pending(cls, name, clause):
        _, operator, value = clause
        pending = (operator == '=') == bool(value)
        test = '=' if pending else '!='
        return ['OR',
            [('bulletin.acknowledgement_required', '=', True),
                ('acknowledged_at', test, None)],
            [('bulletin.acknowledgement_required', '=', False),
                ('read_at', test, None)],
            ]

    @property
    def dms_chat_dealer(self):
        return self.dealer

    @property
    def dms_chat_resource(self):
        "The record the dealer's notification points to"
        return self.bulletin

    @property
    def dms_chat_subject(self):
        return self.bulletin._translated('title')

    @property
    def dms_portal_path(self):
        return self.bulletin.dms_portal_path

    def chat_language(self, audience='internal'):
        if audience == 'public' and self.dealer.party.lang:
            return self.dealer.party.lang.code

    @classmethod
    def of_dealer(cls, bulletin, dealer):
        "The receipt of the dealer for the bulletin, created when missing"
        receipts = cls.search([
                ('bulletin', '=', bulletin.id),
                ('dealer', '=', dealer.id),
                ])
        if receipts:
            return receipts[0]
        if Transaction().readonly:
            return None
        receipt, = cls.create([{
                    'bulletin': bulletin.id, 'dealer': dealer.id}])
        return receipt

    @classmethod
    def mark_read(cls, bulletin, web_user):
        "The portal user opened the bulletin"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        receipt = cls.of_dealer(bulletin, web_user.dealer)
        if not receipt.read_at:
            cls.write([receipt], {
                    'read_at': dt.datetime.now(),
                    'read_by': web_user.id,
                    })
        Notification.mark_read(web_user, resources=[bulletin])
        return receipt

    @classmethod
    def acknowledge(cls, bulletin, web_user):
        "The portal user acknowledges the bulletin for its dealer"
        receipt = cls.mark_read(bulletin, web_user)
        if not bulletin.acknowledgement_required:
            raise BulletinError(gettext(
                    'dms_communication.msg_bulletin_no_acknowledgement',
                    bulletin=bulletin.rec_name))
        if not receipt.acknowledged_at:
            cls.write([receipt], {
                    'acknowledged_at': dt.datetime.now(),
                    'acknowledged_by': web_user.id,
                    })
        return receipt

    @classmethod
    @ModelView.button
    def remind(cls, receipts):
        "Notify again the users of the dealers that are pending"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        now = dt.datetime.now()
        receipts = [r for r in receipts
            if r.pending and r.bulletin.state == 'published']
        by_bulletin = defaultdict(list)
        for receipt in receipts:
            by_bulletin[receipt.bulletin].append(receipt)
        for bulletin, bulletin_receipts in by_bulletin.items():
            message = (
                'dms_communication.msg_notification_bulletin_acknowledge'
                if bulletin.acknowledgement_required
                else 'dms_communication.msg_notification_bulletin_reminder')
            Notification.notify_dealers(
                [r.dealer for r in bulletin_receipts], 'bulletin', bulletin,
                message, {'title': bulletin._translated('title')},
                text=bulletin._translated_excerpt())
        to_write = []
        for receipt in receipts:
            to_write.extend(([receipt], {
                        'reminded_at': now,
                        'reminder_count': (receipt.reminder_count or 0) + 1,
                        }))
        if to_write:
            cls.write(*to_write)

