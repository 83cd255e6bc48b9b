#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Run the demo as production runs it, in one command (``make run``):

- trytond: the web client, the dealer portal and RPC;
- trytond-cron: the scheduler (delay alerts, effective-dated price changes,
  replenishment suggestions, stock assignment...);
- trytond-worker: the queue's worker, on PostgreSQL only (on SQLite the
  queued tasks run in the web server right after each commit, as
  ``[queue] worker = False`` says; the worker cannot run there);
- tools/mailcatcher.py: every mail sent goes to a local SMTP server and can
  be read at http://127.0.0.1:8025/; none leaves the machine.  It also
  receives the webhooks of the demo's channels (the scheduler sends the
  campaigns published, changed and ended to the demo's "Tmall flagship
  store", whose URL is http://127.0.0.1:8025/webhooks/tmall), listed at
  http://127.0.0.1:8025/webhooks.

    tools/run.py -d DATABASE [--smtp HOST:PORT] [--mail-web HOST:PORT]

The configuration is $TRYTOND_CONFIG (config/trytond.conf) with, after it,
a generated file (<data>/run-<database>.conf) that sends the mails to the
catcher and, on PostgreSQL, hands the queue to the worker and lets the web
client subscribe to the bus (live chat).

Ctrl-C (or SIGTERM) stops them all; if one of them stops, the others are
stopped too and the command fails.
"""
import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.dirname(os.path.abspath(sys.executable))


def database_uri(configs):
    "The database URI trytond will use with these configuration files"
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(configs)
    return (parser.get('database', 'uri', fallback=None)
        or os.environ.get('TRYTOND_DATABASE__URI')
        or os.environ.get('TRYTOND_DATABASE_URI') or 'sqlite://')


def write_config(path, smtp, postgresql):
    lines = [
        '# Written by tools/run.py at each start: do not edit',
        '[email]',
        '# The demo\'s mail catcher (tools/mailcatcher.py)',
        'uri = smtp://%s:%s' % smtp,
        ]
    if postgresql:
        lines += [
            '[queue]',
            '# trytond-worker runs the queued tasks',
            'worker = True',
            '[bus]',
            '# The web client listens to the bus (PostgreSQL LISTEN/NOTIFY):',
            '# chat messages and notifications appear at once',
            'allow_subscribe = True',
            ]
    with open(path, 'w') as fp:
        fp.write('\n'.join(lines) + '\n')


def wait_for(url, processes, timeout=120):
    "Wait until url answers; False if a process stopped first"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes.values()):
            return False
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(processes, timeout=15):
    "Stop each process group: SIGTERM, then SIGKILL after timeout"
    for process in processes.values():
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for process in processes.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        # Its children too (the worker's and the scheduler's pools)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-d', '--database', default='dms')
    parser.add_argument('--smtp', default='127.0.0.1:1025',
        help="the mail catcher's SMTP address (default 127.0.0.1:1025)")
    parser.add_argument('--mail-web', default='127.0.0.1:8025',
        help="the mail catcher's page (default 127.0.0.1:8025)")
    parser.add_argument('--data', default=os.environ.get(
            'TRYTOND_DATABASE__PATH', os.path.join(ROOT, 'data')),
        help="folder of the generated configuration, of the mails and of "
        "the webhooks")
    args = parser.parse_args(argv)

    from mailcatcher import parse_address
    smtp = parse_address(args.smtp, 1025)
    mail_web = parse_address(args.mail_web, 8025)
    os.makedirs(args.data, exist_ok=True)
    base = os.environ.get(
        'TRYTOND_CONFIG', os.path.join(ROOT, 'config', 'trytond.conf'))
    run_config = os.path.join(args.data, 'run-%s.conf' % args.database)
    postgresql = database_uri([base]).startswith('postgresql')
    write_config(run_config, smtp, postgresql)
    configs = ['-c', base, run_config]
    listen = os.environ.get('TRYTOND_WEB__LISTEN', 'localhost:8000')
    host, _, port = listen.rpartition(':')
    web = 'http://%s:%s' % (host or 'localhost', port)

    commands = {
        'mail catcher': [sys.executable, os.path.join(HERE, 'mailcatcher.py'),
            '--smtp', '%s:%s' % smtp, '--web', '%s:%s' % mail_web,
            '--folder', os.path.join(args.data, 'mail'),
            '--webhooks', os.path.join(args.data, 'webhooks')],
        'trytond': [os.path.join(BIN, 'trytond'), *configs,
            '-d', args.database],
        # One process: the demo's jobs are small, and on SQLite every
        # writer waits for the others
        'scheduler': [os.path.join(BIN, 'trytond-cron'), *configs,
            '-d', args.database, '-n', '1'],
        }
    if postgresql:
        commands['worker'] = [os.path.join(BIN, 'trytond-worker'), *configs,
            '-d', args.database, '-n', '1']

    processes = {}
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name, command in commands.items():
            # Each in a process group of its own: Ctrl-C reaches this
            # script only, which stops them in order
            processes[name] = subprocess.Popen(command,
                start_new_session=True)
        if wait_for(web + '/', processes):
            print(
                "\nThe DMS demo runs:\n"
                "  Web client    %(web)s/   (database %(db)s)\n"
                "  Dealer portal %(web)s/%(db)s/portal/\n"
                "  Mails sent    http://%(mail)s/   (mail catcher)\n"
                "  Webhooks      http://%(mail)s/webhooks   (channels)\n"
                "  Scheduler     trytond-cron, every minute\n"
                "  Queue         %(queue)s\n"
                "Ctrl-C stops everything.\n" % {
                    'web': web, 'db': args.database,
                    'mail': '%s:%s' % mail_web,
                    'queue': 'trytond-worker' if postgresql else
                    'run by the web server after each commit (SQLite)',
                    }, flush=True)
        while not stopping:
            ended = [n for n, p in processes.items() if p.poll() is not None]
            if ended:
                print("%s stopped (exit code %s): stopping the others" % (
                        ended[0], processes[ended[0]].returncode),
                    file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stop(processes)


if __name__ == '__main__':
    sys.exit(main())
