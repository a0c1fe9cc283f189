"""The production storage for static files: WhiteNoise's compressed, content-hashed files, with
the `import ... from "./x.js"` statements of JavaScript modules rewritten to the hashed names
too (Django leaves them alone by default), so every script can be cached for good."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
