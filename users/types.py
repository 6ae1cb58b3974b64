"""Types the apps share about users."""

from django.contrib.auth.models import AnonymousUser

from users.models import User

# Whom a read is for: a signed-in user or an anonymous visitor (request.user is one or the other).
Viewer = User | AnonymousUser
