# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import datetime as dt
import logging
import os

from sql import Null
from sql.conditionals import Coalesce
from sql.functions import CurrentTimestamp
from sql.operators import Exists

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import UploadError

logger = logging.getLogger(__name__)


def clean_text(value):
    """The text of a form field without NUL characters (PostgreSQL refuses
    them) and with the browser's CRLF line ends as LF"""
    return (value or '').replace('\0', '').replace('\r\n', '\n').strip()


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


class ModelAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.access'

    @classmethod
    def _dms_read_restricted(cls):
        pool = Pool()
        User = pool.get('res.user')
        # The portal's user writes only what its group grants, but it reads
        # what Tryton lets every user read: the portal's own code reads the
        # settings behind what its pages show (payment terms, accounts of
        # products, stock periods), and the dealer sees only the pages,
        # under the record rules of its dealer
        if User.dms_is_portal():
            return False
        return super()._dms_read_restricted()


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
            raise UploadError(gettext('dms_portal.msg_upload_type',
                    types=', '.join(sorted(UPLOAD_TYPES))))
        if not data:
            raise UploadError(gettext('dms_portal.msg_upload_empty'))
        if len(data) > MAX_UPLOAD_SIZE:
            raise UploadError(gettext('dms_portal.msg_upload_size',
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
            raise UploadError(gettext('dms_portal.msg_upload_content',
                    extension=extension))
        return name

    @classmethod
    def dms_upload(cls, resource, filename, data):
        """Attach a file uploaded from the portal to resource, shared

        The user must read resource (under its record rules); the file is
        attached without the access checks of Tryton's attachments, which
        ask to write the resource: a dealer attaches files to its feedback
        and to the conversations of orders and bulletins it reads."""
        cls._dms_check_resource(resource)
        name = cls.dms_check_upload(filename, data)
        with without_check_access():
            attachment, = cls.create([{
                        'name': name,
                        'resource': str(resource),
                        'type': 'data',
                        'data': data,
                        'dms_shared': True,
                        }])
        return cls(attachment.id)

    @classmethod
    def _dms_check_resource(cls, resource):
        "Raise AccessError unless the user reads resource"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Channel.check_access(resource)

    @classmethod
    def dms_shared_of(cls, resource, all_=False):
        """The files of resource shown in the portal: those of a resource
        the user reads (Tryton's attachments check it as well)"""
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
