"""What the demo fillers share: the modules, sizes, seed and logins of the
demo, the state passed from one filler to the next, transactions,
translations, progress bars and the generated files."""
import struct
import sys
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

from tqdm import tqdm

import trytond.config as config
from trytond.pool import Pool
from trytond.transaction import Transaction


MODULES = [
    'dms_dealer', 'dms_portal', 'dms_communication', 'dms_orders',
    'dms_campaigns', 'dms_reports']
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


@dataclass
class Demo:
    """What the fillers share: the command line, then what the earlier
    fillers made (dealer.fill sets the company, the sales representatives,
    the administrator's id and context)"""
    database: str
    lang: str = 'en'
    # generated records for benchmarks
    dealers: int = 0
    products: int = 0
    sale_lines: int = 0
    company_id: int = None
    # employee ids of the sales representatives
    reps: list = None
    admin_id: int = None
    context: dict = None


def batch_size():
    from trytond import backend
    return BATCH_SIZES.get(backend.name, 50)


def progress(desc, total):
    return tqdm(total=total, desc=desc, unit=' rec', file=sys.stderr,
        dynamic_ncols=True)


def tr(lang, en, zh):
    "The English or Chinese value of a field that is not translatable"
    return zh if lang == 'zh_CN' else en


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


# Portal accounts and files

def portal_email(code, role):
    "The e-mail address of the demo portal account of role of dealer code"
    return f'{code.lower()}.{role}@{PORTAL_DOMAIN}'


def portal_user(WebUser, code, role):
    "The demo portal account of role of the dealer code"
    user, = WebUser.search([('email', '=', portal_email(code, role))])
    return user


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
