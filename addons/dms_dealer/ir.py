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

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

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
    __name__ = 'ir.chat.channel'

    @classmethod
    def dispatch_message(cls, message, is_sender):
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        super().dispatch_message(message, is_sender)
        resource = message.channel.resource
        dealer = getattr(resource, 'dms_chat_dealer', None)
        # A public message of the factory is for the dealer's users
        if (dealer and message.audience == 'public' and message.user
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


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('dms.bulletin|apply_prices', "Apply the Prices of Bulletins"))


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
