"""Login and logout pages: Django's auth views with the portal's template.

Logout only accepts POST (Django's LogoutView refuses GET), so a link cannot log a user out.
"""
from django.contrib.auth import views as auth_views


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PortalLogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]
