"""Files served at the site root by WhiteNoise (``cms/public/``)."""

import io

from PIL import Image


def test_favicon_is_a_real_icon_served_without_the_database(client):
    # No django_db mark: any database access during the request fails the test.
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= set(icon.info["sizes"])


def test_pages_point_browsers_to_the_favicon(client, series):
    response = client.get(series.url)
    assert b'<link rel="icon" href="/favicon.ico"' in response.content
