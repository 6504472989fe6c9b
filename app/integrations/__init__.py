"""Shop platforms we ask for orders (Magento 2, PrestaShop), rather than waiting for their webhooks.

Each platform is one small module (``magento.py``, ``prestashop.py``) that reads new and updated
orders since the last run, page by page, and hands each one, mapped, to the same ingestion as the
platform webhooks (``app.api.platforms.ingest``): idempotent by the platform's order id. ``pull.py``
runs them from the scheduler and remembers how far each got.
"""
