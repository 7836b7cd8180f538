"""Helpers of the API tests: the API root, JSON responses, rich bodies."""

from tests.factories import section

API = "/api/v1/"
#: Every endpoint of the API (``{pk}``: an edition's id).
ENDPOINTS = ["", "recaps/", "recaps/{pk}/", "sections/", "tags/", "schema/", "docs/"]


def rich_body(n=1):
    """A body with several kinds of sections, items, sub-items and links."""
    return [
        section("highlights", "Temps forts", [f"Point {n}", ("Parent", ["A"])]),
        section(
            "nuggets",
            "Les pépites",
            [f"Pépite numérique {n}", "Atelier d’inclusion numérique"],
            intro="<p>À retenir</p>",
        ),
        section(
            "resources",
            "Ressources",
            links=[
                {
                    "title": "Guide",
                    "url": "https://example.org/guide",
                    "description": "Un guide",
                }
            ],
        ),
        section("text", "Mot de la fin", intro="<p>Merci à tous.</p>"),
    ]


def get_json(client, url, status=200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()
