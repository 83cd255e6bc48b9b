#!/usr/bin/env python3
"""Maintain the Simplified Chinese translations of the DMS modules.

    tools/translations.py update [--keep DIR]   export and merge the .po files
    tools/translations.py check                 report coverage, exit 1 if any
                                                entry is untranslated or fuzzy

``update`` builds a throwaway SQLite database in a temporary directory
(``trytond-admin --all``, then the DMS modules with their dependencies and
zh_CN made translatable), exports each module's translations with
``trytond-admin --export-translations`` and merges the result into
``addons/<module>/locale/zh_CN.po``: the msgstr of every entry whose
msgctxt and msgid still exist is kept, new entries are added untranslated
and obsolete entries are dropped.  It takes about 30 seconds.

``check`` needs no database: it only reads the .po files, so the total it
reports is the set of strings known at the last ``update``.  Run ``update``
first after changing models, views, XML records or messages.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
MODULES = ['dms_dealer', 'dms_orders', 'dms_campaigns', 'dms_reports']
LANG = 'zh_CN'
DB = 'translations'


def po_path(module):
    return ROOT / 'addons' / module / 'locale' / f'{LANG}.po'


def key(entry):
    return (entry.msgctxt, entry.msgid)


def translated(entry):
    if 'fuzzy' in entry.flags:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def admin(*args, env):
    binary = Path(sys.executable).with_name('trytond-admin')
    command = [str(binary if binary.exists() else 'trytond-admin'),
        '-d', DB, *args]
    print('$', ' '.join(command[1:]), file=sys.stderr)
    subprocess.run(command, env=env, check=True, stdin=subprocess.DEVNULL)


def merge(module, old):
    "Merge the msgstr of the old entries into the freshly exported file"
    path = po_path(module)
    if not path.exists():  # no translatable string in the module
        # trytond-admin removes the file of a module without strings: keep
        # the header-only file the module ships (its translation test reads
        # it and polib cannot open a missing file)
        if old.fpath or old.metadata or old.header:
            empty = polib.POFile(wrapwidth=78)
            empty.header = old.header
            empty.metadata = dict(old.metadata)
            empty.save(str(path))
            print(f'{module}: 0 entries, {len(old)} dropped',
                file=sys.stderr)
        return
    new = polib.pofile(str(path), wrapwidth=78)
    previous = {key(e): e for e in old if not e.obsolete and translated(e)}
    for entry in new:
        kept = previous.get(key(entry))
        if kept:
            entry.msgstr = kept.msgstr
            entry.msgstr_plural = dict(kept.msgstr_plural)
            if 'fuzzy' in entry.flags:
                entry.flags.remove('fuzzy')
    new.save()
    added = len({key(e) for e in new} - {key(e) for e in old})
    dropped = len({key(e) for e in old} - {key(e) for e in new})
    print(f'{module}: {len(new)} entries, {added} new, {dropped} dropped',
        file=sys.stderr)


def update(keep=None):
    for module in MODULES:
        spec = importlib.util.find_spec(module)
        import_path = spec.origin if spec else None
        if not spec or Path(import_path).parent != ROOT / 'addons' / module:
            sys.exit(f'{module} is imported from {import_path}, '
                f'not from {ROOT / "addons"}')
    old = {m: polib.pofile(str(po_path(m))) if po_path(m).exists()
        else polib.POFile() for m in MODULES}

    directory = keep or tempfile.mkdtemp(prefix='dms-translations-')
    os.makedirs(directory, exist_ok=True)
    try:
        Path(directory, f'{DB}.sqlite').touch()
        password = Path(directory, 'password')
        password.write_text('admin')
        env = {k: v for k, v in os.environ.items()
            if not k.startswith('TRYTOND')}
        env.update(TRYTOND_DATABASE__URI='sqlite://',
            TRYTOND_DATABASE__PATH=directory, TRYTONPASSFILE=str(password))
        admin('--all', '--email', 'admin@example.com', env=env)
        # trytond-admin writes the export over addons/<module>/locale/
        admin('-u', *MODULES, '--activate-dependencies', '-l', LANG,
            '--export-translations', env=env)
    except BaseException:
        for module, pofile in old.items():  # do not lose the translations
            if len(pofile) or pofile.fpath:
                pofile.save(str(po_path(module)))
        raise
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    for module in MODULES:
        merge(module, old[module])


def check():
    ok = True
    for module in MODULES:
        path = po_path(module)
        entries = ([e for e in polib.pofile(str(path)) if not e.obsolete]
            if path.exists() else [])
        missing = [e for e in entries if not translated(e)]
        done = len(entries) - len(missing)
        rate = f'{100 * done / len(entries):.0f}%' if entries else 'n/a'
        print(f'{module:15} {done:4}/{len(entries):<4} {rate}'
            + ('' if path.exists() else '  (no zh_CN.po: nothing to translate)'))
        for entry in missing:
            fuzzy = ' (fuzzy)' if 'fuzzy' in entry.flags else ''
            print(f'    {entry.msgctxt} {entry.msgid!r}{fuzzy}')
        ok &= not missing
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 1)[1])
    sub = parser.add_subparsers(dest='command', required=True)
    parser_update = sub.add_parser('update', help='export and merge')
    parser_update.add_argument('--keep', metavar='DIR',
        help='build the database in DIR and keep it')
    sub.add_parser('check', help='report coverage of the .po files')
    args = parser.parse_args()
    if args.command == 'update':
        update(args.keep)
        return 0
    return check()


if __name__ == '__main__':
    sys.exit(main())
