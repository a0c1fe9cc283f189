"""A password hasher that counts how often it really hashes: registered in a test's settings,
it shows which requests did the expensive work (signup timing, issue 14)."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingPasswordHasher(MD5PasswordHasher):
    """MD5 (fast, as everywhere in the tests), counting each password it hashes."""

    hashed = 0

    def encode(self, password, salt):
        type(self).hashed += 1
        return super().encode(password, salt)
