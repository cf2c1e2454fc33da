from django.urls import reverse

from .factories import PASSWORD


def test_login_page_renders(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_login_then_home(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "sales", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    home = client.get(reverse("core:home"))
    assert home.status_code == 200 and "Lenovo" in home.content.decode()


def test_wrong_password_shows_an_error(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "sales", "password": "no"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_home_requires_login(client, db):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_logout_by_post_only(client, personas):
    client.force_login(personas["seller_sales"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
