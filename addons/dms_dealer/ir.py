# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import polib

from trytond.cache import Cache
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "dealer" as the id of the dealer of the current user '
            '(None for factory users)')

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        key = super()._get_cache_key(model_names)
        return (*key, User.get_dealer())

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        context['dealer'] = User.get_dealer()
        return context


# What users linked to a dealer and DMS Integration accounts may not read
# even when Tryton lets every user read it: the factory's accounting and
# costs, other parties' settings, sessions, sign-in attempts, e-mails sent,
# logs, queues, the technical configuration, relation tables, reports
# over every dealer's sales, and the campaigns' offers and marketing
# parameters (a dealer reads its campaigns through the DMS models).  An
# entry names a model and the models named after it ("ir.cron" also covers
# "ir.cron.log" and "ir.cron-company.company")
RESTRICTED_UNREADABLE = (
    'account',
    'company.company.logo.cache',
    'currency.cron',
    'ir.action-res.group', 'ir.cache', 'ir.cron', 'ir.email', 'ir.error',
    'ir.export-res.group', 'ir.export-write-res.group', 'ir.filestore.queue',
    'ir.model.access', 'ir.model.button-button.reset',
    'ir.model.button-res.group', 'ir.model.button.click',
    'ir.model.button.rule', 'ir.model.data', 'ir.model.field.access',
    'ir.model.log', 'ir.module', 'ir.queue', 'ir.rule', 'ir.sequence',
    'ir.session', 'ir.trigger', 'ir.ui.menu-res.group',
    'marketing',
    'party.party-delivered_to-stock.location', 'party.party-party.category',
    'party.party.account', 'party.party.credit_limit_amount',
    'party.party.customer_currency', 'party.party.lang',
    'party.party.location', 'party.party.payment_term',
    'party.party.sale_method', 'party.party.sale_price_list',
    'party.contact_mechanism.language',
    'product.category-customer-account.tax',
    'product.category-supplier-account.tax', 'product.category.account',
    'product.configuration.default_cost_price_method', 'product.cost_price',
    'product.template-product.category.account',
    'res.user-company.company', 'res.user-company.employee',
    'res.user-ir.action', 'res.user-res.group', 'res.user.device',
    'res.user.login.attempt',
    'sale.line-account.tax', 'sale.line-ignored-stock.move',
    'sale.line-recreated-stock.move', 'sale.promotion', 'sale.reporting',
    'sale.sale-ignored-account.invoice', 'sale.sale-recreated-account.invoice',
    'stock.location.waste',
    'web.user-party.party.secondary', 'web.user.authenticate.attempt',
    'web.user.session',
    )
# But these, which sales and products show
RESTRICTED_READABLE = (
    'account.invoice.payment_term', 'account.invoice.payment_term.line',
    'account.invoice.payment_term.line.delta', 'account.tax',
    )
# The user interface preferences of the users themselves, which the web
# client writes
USER_PREFERENCES = ('ir.ui.view_tree_width', 'ir.ui.view_tree_optional')


def restricted_unreadable(model):
    "Whether users linked to a dealer and integrators may not read model"
    return model not in RESTRICTED_READABLE and any(
        model == e or model.startswith((e + '.', e + '-'))
        for e in RESTRICTED_UNREADABLE)


class ModelAccess(metaclass=PoolMeta):
    """Least privilege for users linked to a dealer and the accounts of the
    DMS Integration group

    They write, create and delete only what the access records of their own
    groups grant: not what Tryton's modules grant to every user (the access
    records without group: parties, addresses, contact mechanisms,
    attachments, notes...), but their own user interface preferences.  They
    read what every user reads, under the record rules of their dealer, but
    RESTRICTED_UNREADABLE."""
    __name__ = 'ir.model.access'
    _dms_grants_cache = Cache(
        'ir_model_access.dms_group_grants', context=False)

    @classmethod
    def get_access(cls, models):
        access = super().get_access(models)
        if not cls._dms_restricted():
            return access
        grants = cls._dms_group_grants(models)
        read_restricted = cls._dms_read_restricted()
        result = {}
        for model, perms in access.items():
            granted = grants[model]
            if model in USER_PREFERENCES:
                result[model] = perms
                continue
            result[model] = {
                perm: bool(allowed and (granted[perm] or (
                            perm == 'read' and not (read_restricted
                                and restricted_unreadable(model)))))
                for perm, allowed in perms.items()}
        return result

    @classmethod
    def _dms_restricted(cls):
        "Whether the transaction user gets only its groups' grants"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if not Transaction().user:
            return False
        if User.get_dealer() is not None:
            return True
        return ModelData.get_id(
            'dms_dealer', 'group_dms_integration') in User.get_groups()

    @classmethod
    def _dms_read_restricted(cls):
        """Whether the restricted user does not read RESTRICTED_UNREADABLE
        either (the users that reach models over RPC)"""
        return True

    @classmethod
    def _dms_group_grants(cls, models):
        """The permissions of models granted by the access records of the
        user's groups (and of the models their access follows, like
        Tryton)"""
        pool = Pool()
        User = pool.get('res.user')
        groups = User.get_groups()
        grants, missing = {}, []
        for model in models:
            cached = cls._dms_grants_cache.get((groups, model))
            if cached is None:
                missing.append(model)
            else:
                grants[model] = cached
        if not missing:
            return grants

        def follow(Model, names):
            if Model.__name__ not in names:
                names.append(Model.__name__)
                for field_name in Model.__access__:
                    follow(getattr(Model, field_name).get_target(), names)
        followed = {}
        for model in missing:
            follow(pool.get(model), followed.setdefault(model, []))
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        perms = ['read', 'write', 'create', 'delete']
        raw = {}
        if groups:
            all_models = list({m for ms in followed.values() for m in ms})
            cursor.execute(*table.select(
                    table.model, table.perm_read, table.perm_write,
                    table.perm_create, table.perm_delete,
                    where=table.model.in_(all_models)
                    & (table.active == True)  # noqa: E712
                    & table.group.in_(list(groups))))
            for model, *values in cursor:
                current = raw.setdefault(model, dict.fromkeys(perms, False))
                for perm, value in zip(perms, values):
                    current[perm] = current[perm] or bool(value)
        for model, names in followed.items():
            grants[model] = {
                perm: any(raw.get(m, {}).get(perm, False) for m in names)
                for perm in perms}
            cls._dms_grants_cache.set((groups, model), grants[model])
        return grants

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._dms_grants_cache.clear()


# Files dealers may upload: extension -> (MIME type, magic prefixes or None

class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        result = super().translation_import(lang, module, po_path)
        cls._confirm_overrides(lang, module, po_path)
        return result

    @classmethod
    def _confirm_overrides(cls, lang, module, po_path):
        """Confirm the fuzzy translations of other modules that the
        overrides of the module (locale/override/) keep as they are

        Tryton overrides the entry of another module only when the override
        changes its text, so an override that confirms a fuzzy core
        translation ("State": "状态") leaves it fuzzy, and fuzzy
        translations are not used."""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        if isinstance(po_path, str):
            po_path = [po_path]
        overrides = {}
        for path in po_path:
            for entry in polib.pofile(path):
                if entry.obsolete or 'fuzzy' in entry.flags:
                    continue
                translation, res_id = cls.from_poentry(entry)
                if '.' not in res_id or not translation.value:
                    continue
                other, fs_id = res_id.split('.', 1)
                overrides[cls._override_key(
                        other, translation, fs_id)] = translation
        if not overrides:
            return
        fuzzy = cls.search([
                ('lang', '=', lang),
                ('module', 'in', list({k[0] for k in overrides})),
                ('fuzzy', '=', True),
                ('overriding_module', '=', None),
                ])
        fs_ids = {}
        res_ids = {t.res_id for t in fuzzy if t.res_id >= 0}
        if res_ids:
            for data in ModelData.search([
                        ('module', 'in', list({t.module for t in fuzzy})),
                        ('db_id', 'in', list(res_ids)),
                        ]):
                fs_ids[data.module, data.model, data.db_id] = data.fs_id
        to_confirm = []
        for translation in fuzzy:
            fs_id = ''
            if translation.res_id >= 0:
                fs_id = fs_ids.get((translation.module,
                        translation.name.split(',')[0], translation.res_id))
                if fs_id is None:
                    continue
            override = overrides.get(cls._override_key(
                    translation.module, translation, fs_id))
            if override and all(
                    getattr(translation, f) == getattr(override, f)
                    for f in ['value', 'value_1', 'value_2', 'value_3']):
                to_confirm.append(translation)
        if to_confirm:
            cls.write(to_confirm, {
                    'fuzzy': False,
                    'overriding_module': module,
                    })

    @staticmethod
    def _override_key(module, translation, fs_id):
        # Tryton finds the entry of these types by their source too
        src = (translation.src if translation.type in {
                'report', 'view', 'wizard_button', 'selection'}
            else None)
        return (module, translation.type, translation.name, fs_id, src)

