# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import datetime as dt
import logging
import os

import polib
from sql import Null
from sql.conditionals import Coalesce
from sql.functions import CurrentTimestamp
from sql.operators import Exists

from trytond.cache import Cache
from trytond.config import config
from trytond.i18n import gettext
from trytond.ir.chat import FOLLOWER_SEARCH_LIMIT
from trytond.model import Index, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.transaction import check_access as checking_access

from .exceptions import ChatError, UploadError

logger = logging.getLogger(__name__)


def clean_text(value):
    """The text of a form field without NUL characters (PostgreSQL refuses
    them) and with the browser's CRLF line ends as LF"""
    return (value or '').replace('\0', '').replace('\r\n', '\n').strip()


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
# logs, queues, the technical configuration, relation tables, and reports
# over every dealer's sales.  An entry names a model and the models named
# after it ("ir.cron" also covers "ir.cron.log" and "ir.cron-company.company")
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
    'sale.line-recreated-stock.move', 'sale.reporting',
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
        result = {}
        for model, perms in access.items():
            granted = grants[model]
            if model in USER_PREFERENCES:
                result[model] = perms
                continue
            result[model] = {
                perm: bool(allowed and (granted[perm] or (
                            perm == 'read'
                            and not restricted_unreadable(model))))
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
# for text)
UPLOAD_TYPES = {
    'pdf': ('application/pdf', [b'%PDF-']),
    'png': ('image/png', [b'\x89PNG\r\n\x1a\n']),
    'jpg': ('image/jpeg', [b'\xff\xd8\xff']),
    'jpeg': ('image/jpeg', [b'\xff\xd8\xff']),
    'gif': ('image/gif', [b'GIF87a', b'GIF89a']),
    'webp': ('image/webp', [b'RIFF']),
    'xlsx': ('application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet', [b'PK\x03\x04']),
    'docx': ('application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document', [b'PK\x03\x04']),
    'csv': ('text/csv', None),
    'txt': ('text/plain', None),
    }
MAX_UPLOAD_SIZE = 5 * 1024 * 1024
MAX_MESSAGE_SIZE = 5000


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


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'
    dms_shared = fields.Boolean(
        "Shared with Dealer",
        help="Show the file to the dealer's users in the portal "
        "(the files of bulletins are always shown to their audience).")

    @classmethod
    def default_dms_shared(cls):
        return False

    @classmethod
    def dms_check_upload(cls, filename, data):
        """Return the clean name of an uploaded file or raise UploadError:
        only the types of UPLOAD_TYPES, checked on their content, up to
        MAX_UPLOAD_SIZE"""
        name = os.path.basename((filename or '').replace('\\', '/'))
        name = ''.join(c for c in name if c.isprintable()).strip()[-100:]
        extension = name.rsplit('.', 1)[-1].lower() if '.' in name else ''
        if extension not in UPLOAD_TYPES:
            raise UploadError(gettext('dms_dealer.msg_upload_type',
                    types=', '.join(sorted(UPLOAD_TYPES))))
        if not data:
            raise UploadError(gettext('dms_dealer.msg_upload_empty'))
        if len(data) > MAX_UPLOAD_SIZE:
            raise UploadError(gettext('dms_dealer.msg_upload_size',
                    size=MAX_UPLOAD_SIZE // (1024 * 1024)))
        _, magics = UPLOAD_TYPES[extension]
        if magics is None:
            try:
                valid = b'\0' not in data and bool(data.decode('utf-8'))
            except UnicodeDecodeError:
                valid = False
        else:
            valid = any(data.startswith(m) for m in magics)
            if extension == 'webp':
                valid = valid and data[8:12] == b'WEBP'
        if not valid:
            raise UploadError(gettext('dms_dealer.msg_upload_content',
                    extension=extension))
        return name

    @classmethod
    def dms_upload(cls, resource, filename, data):
        "Attach a file uploaded from the portal to resource, shared"
        name = cls.dms_check_upload(filename, data)
        attachment, = cls.create([{
                    'name': name,
                    'resource': str(resource),
                    'type': 'data',
                    'data': data,
                    'dms_shared': True,
                    }])
        return attachment

    @classmethod
    def dms_shared_of(cls, resource, all_=False):
        "The files of resource shown in the portal"
        domain = [
            ('resource', '=', str(resource)),
            ('type', '=', 'data'),
            ]
        if not all_:
            domain.append(('dms_shared', '=', True))
        return cls.search(domain, order=[('create_date', 'ASC'), ('id', 'ASC')])

    @property
    def dms_mimetype(self):
        extension = self.name.rsplit('.', 1)[-1].lower() \
            if '.' in self.name else ''
        if extension in UPLOAD_TYPES:
            return UPLOAD_TYPES[extension][0]
        return 'application/octet-stream'


class ChatChannel(metaclass=PoolMeta):
    """Conversations on records under their record rules

    Tryton's chat calls check only the access to the model of the record
    (core: "TODO check record rule"): here reading, posting, following and
    listing the followers of a record's conversation need the right to read
    that record, under the record rules of the user.  Users linked to a
    dealer post only public messages, never read the factory's internal
    notes, follow only for themselves and do not subscribe e-mail
    addresses."""
    __name__ = 'ir.chat.channel'

    @classmethod
    @checking_access
    def check_access(cls, resource):
        pool = Pool()
        model, _, id_ = str(resource).partition(',')
        try:
            Model = pool.get(model)
            id_ = int(id_)
        except (KeyError, ValueError):
            Model = id_ = None
        if (Model is None or not hasattr(Model, 'search')
                or not 0 < id_ < 2 ** 63):
            raise AccessError(gettext('dms_dealer.msg_chat_access_denied'))
        super().check_access(resource)
        if (Transaction().user
                and not Model.search([('id', '=', id_)], limit=1)):
            raise AccessError(gettext('dms_dealer.msg_chat_access_denied'))

    @classmethod
    def _dms_dealer_user(cls):
        "Whether the transaction user is linked to a dealer"
        pool = Pool()
        User = pool.get('res.user')
        return bool(Transaction().user) and User.get_dealer() is not None

    @classmethod
    def _dms_refuse_for_dealer(cls, resource, allowed=False):
        cls.check_access(resource)
        if cls._dms_dealer_user() and not allowed:
            raise AccessError(gettext('dms_dealer.msg_chat_dealer_refused'))

    @classmethod
    def _dms_own_login(cls, username):
        pool = Pool()
        User = pool.get('res.user')
        return username is None or (
            username == User(Transaction().user).login)

    # Tryton's own "joined" and "left" messages are posted by the system
    # (context user 0): a private context key, which RPC callers cannot set,
    # tells post() they are not a user's

    @classmethod
    def subscribe(cls, resource, username=None):
        cls._dms_refuse_for_dealer(resource, cls._dms_own_login(username))
        with Transaction().set_context(_dms_chat_system=True):
            return super().subscribe(resource, username=username)

    @classmethod
    def unsubscribe(cls, resource, username=None):
        cls._dms_refuse_for_dealer(resource, cls._dms_own_login(username))
        with Transaction().set_context(_dms_chat_system=True):
            return super().unsubscribe(resource, username=username)

    @classmethod
    def subscribe_email(cls, resource, email):
        cls._dms_refuse_for_dealer(resource)
        with Transaction().set_context(_dms_chat_system=True):
            return super().subscribe_email(resource, email)

    @classmethod
    def unsubscribe_email(cls, resource, email):
        cls._dms_refuse_for_dealer(resource)
        with Transaction().set_context(_dms_chat_system=True):
            return super().unsubscribe_email(resource, email)

    @classmethod
    def search_followers(cls, resource, text, limit=FOLLOWER_SEARCH_LIMIT):
        cls._dms_refuse_for_dealer(resource)
        return super().search_followers(resource, text, limit=limit)

    @classmethod
    def post(cls, resource, content, audience='internal'):
        transaction = Transaction()
        if (not transaction.user
                or transaction.context.get('_dms_chat_system')):
            return super().post(resource, content, audience=audience)
        if audience != 'public':
            cls._dms_refuse_for_dealer(resource)
        # The author is the user of the request, never a user that a
        # caller names in its context (Tryton takes the context's "user")
        with transaction.set_context(user=transaction.user):
            return super().post(resource, content, audience=audience)

    @classmethod
    def get(cls, resource, before=None, after=None):
        messages = super().get(resource, before=before, after=after)
        if cls._dms_dealer_user():
            messages = [m for m in messages if m['audience'] == 'public']
        return messages

    @classmethod
    def dispatch_message(cls, message, is_sender):
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        super().dispatch_message(message, is_sender)
        resource = message.channel.resource
        dealer = getattr(resource, 'dms_chat_dealer', None)
        # A public message of the factory is for the dealer's users
        if (dealer and message.audience == 'public' and message.user
                and not message.user.dealer
                and Transaction().context.get('_notify', True)):
            Notification.notify_dealers([dealer], 'chat',
                resource.dms_chat_resource,
                'dms_dealer.msg_notification_chat',
                {'subject': resource.dms_chat_subject},
                text=Notification.excerpt(message.content))

    @classmethod
    def dms_portal_messages(cls, resource, limit=200):
        "The last public messages of the channel of resource, oldest first"
        pool = Pool()
        Message = pool.get('ir.chat.message')
        messages = Message.search([
                ('channel.resource', '=', str(resource)),
                ('audience', '=', 'public'),
                ], order=[('id', 'DESC')], limit=limit)
        return list(reversed(messages))

    @classmethod
    def dms_portal_post(cls, resource, web_user, content, filename=None,
            data=None):
        """Post a public message of the portal user on resource, with a
        file; the factory's users responsible for the dealer follow the
        channel and are notified"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Message = pool.get('ir.chat.message')
        Follower = pool.get('ir.chat.follower')
        Dealer = pool.get('dms.dealer')
        content = clean_text(content)
        if not content and not filename:
            raise ChatError(gettext('dms_dealer.msg_chat_empty'))
        if len(content) > MAX_MESSAGE_SIZE:
            raise ChatError(gettext('dms_dealer.msg_chat_too_long',
                    size=MAX_MESSAGE_SIZE))
        if filename:
            attachment = Attachment.dms_upload(resource, filename, data)
            content = '\n'.join(filter(None, [
                        content, gettext('dms_dealer.msg_chat_file',
                            name=attachment.name)]))
        channel = cls._get_channel(resource)
        if not any(f.user for f in channel.followers):
            dealer = web_user.dealer
            for user in Dealer.responsible_users([dealer])[dealer]:
                Follower.add_user(channel, user)
            channel = cls(channel.id)
        message = Message(
            channel=channel, email=web_user.email, content=content,
            audience='public')
        message.save()
        email = web_user.email
        cls.dispatch_message(message, lambda u: u == email)
        return message


class ChatFollower(metaclass=PoolMeta):
    __name__ = 'ir.chat.follower'

    def notify(self, message):
        # The factory's internal notes are not for the users of a dealer,
        # even when they follow the conversation
        if (message.audience == 'internal' and self.user
                and self.user.dealer):
            return
        super().notify(message)


class ChatMessage(metaclass=PoolMeta):
    __name__ = 'ir.chat.message'

    @property
    def dms_portal_author(self):
        """Who wrote the message as the portal shows it: ('dealer', name)
        for the dealer's own users, ('factory', name) for the factory's,
        named after their employee (not after the name a user can set in
        its preferences), or without name"""
        if self.email:
            return 'dealer', self.email
        user = self.user
        if user and user.dealer:
            return 'dealer', user.dealer.rec_name
        if user and user.employee:
            return 'factory', user.employee.rec_name
        return 'factory', ''


class Queue(metaclass=PoolMeta):
    """Tasks of a worker that died run again

    Tryton's worker marks a task as taken (dequeued) before it runs it, in a
    statement of its own: a worker killed while it runs a task (SIGKILL, a
    crash, a lost machine) leaves the task taken and never finished, and no
    worker runs it again.  Here a task holds the lock of its row while it
    runs, so a task taken for [dms_queue] abandoned_after seconds (300) that
    is neither finished nor locked was abandoned: the next pull of a worker
    gives it back to the queue, at most [dms_queue] max_attempts times (5),
    which also runs again a task that failed on an error.  A task runs again
    as a whole: its work must be safe to repeat (e-mails are marked as sent
    in the task's transaction)."""
    __name__ = 'ir.queue'
    dms_attempts = fields.Integer("Attempts", readonly=True,
        help="How many times the task was given back to the queue after "
        "its worker died or it failed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.dequeued_at, Index.Range()),
                where=(t.finished_at == Null) & (t.dequeued_at != Null)))

    def run(self):
        transaction = Transaction()
        if transaction.database.has_select_for():
            # Held until the task's transaction ends: the task runs
            self.__class__.lock([self])
        super().run()

    @classmethod
    def pull(cls, database, connection, name=None):
        if database.has_select_for():
            try:
                cls._requeue_abandoned(database, connection, name)
            except Exception:
                logger.warning(
                    "giving back abandoned tasks failed", exc_info=True)
        return super().pull(database, connection, name=name)

    @classmethod
    def _requeue_abandoned(cls, database, connection, name=None):
        "Give back to the queue the abandoned tasks; return their ids"
        after = config.getfloat('dms_queue', 'abandoned_after', default=300)
        attempts = config.getint('dms_queue', 'max_attempts', default=5)
        table = cls.__table__()
        abandoned = cls.__table__()
        where = ((abandoned.finished_at == Null)
            & (abandoned.dequeued_at != Null)
            & (abandoned.dequeued_at
                < CurrentTimestamp() - dt.timedelta(seconds=after))
            & (Coalesce(abandoned.dms_attempts, 0) < attempts))
        if name:
            where &= abandoned.name == name
        # Not pushed again (by the worker after too many retries on a
        # database error)
        again = cls.__table__()
        where &= ~Exists(again.select(again.id,
                where=(again.id > abandoned.id)
                & (again.name == abandoned.name)
                & (again.data == abandoned.data)))
        # The rows locked by running tasks are skipped
        query = abandoned.select(abandoned.id, where=where, limit=100)
        query.for_ = database.get_select_for_skip_locked()('UPDATE')
        cursor = connection.cursor()
        cursor.execute(*table.update(
                [table.dequeued_at, table.dms_attempts],
                [Null, Coalesce(table.dms_attempts, 0) + 1],
                where=table.id.in_(query),
                returning=[table.id]))
        ids = [i for i, in cursor]
        if ids:
            logger.warning("tasks %s of a dead worker given back", ids)
        return ids
