"""The DMS demo data generator, one file per module's data.

Run it as ``python tools/demo --database dms --size small --lang en`` (see
``__main__.py`` for the command line).  The files:

- ``__main__.py``: the command line, the creation of the database, the
  activation of the modules and the order in which the fillers run;
- ``common.py``: what the fillers share: the modules, sizes, seed, logins,
  the ``Demo`` state passed from one filler to the next, transactions,
  translations, progress bars, generated files;
- ``dealer.py``: dms_dealer (company, people, territories, tiers, dealers,
  portal accounts);
- ``orders.py``: dms_orders (products, stock, orders in every stage of
  their fulfilment, alerts, replenishment suggestions);
- ``communication.py``: dms_communication (bulletins, receipts, market
  feedback, conversations on orders);
- ``reports.py``: dms_reports (fifteen months of order history for the
  sales reports and dashboards).

Each file has ``fill(demo)``, which adds the demo data of its module, and,
when the module has benchmark volume, ``generate(demo)``.  A module that
gets demo data adds its file and its place in the lists of ``__main__.py``.

Every record is looked up by its code, e-mail or name before it is created,
so running the generator again creates nothing.  Content is reproducible:
random choices come from ``random.Random(SEED)`` (42), each filler with its
own, and dates are relative to today.
"""
