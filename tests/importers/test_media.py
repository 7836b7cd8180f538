"""Media of imported posts found in a copy of ``wp-content/uploads`` (issue 25:
WordPress.com-hosted uploads)."""

import pytest

from recaps.importers.media import MediaLibrary, is_upload, upload_path


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://site.example/wp-content/uploads/2020/05/x.jpg", "2020/05/x.jpg"),
        ("https://site.example/blog/wp-content/uploads/2020/05/x.jpg", "2020/05/x.jpg"),
        ("https://centre.files.wordpress.com/2020/05/x.jpg", "2020/05/x.jpg"),
        ("https://centre.files.wordpress.com/2020/05/x.jpg?w=300", "2020/05/x.jpg"),
        (
            "https://i0.wp.com/site.example/wp-content/uploads/2020/05/x.jpg?w=640",
            "2020/05/x.jpg",
        ),
        ("https://i2.wp.com/centre.files.wordpress.com/2020/05/x.jpg", "2020/05/x.jpg"),
        (
            "https://site.example/wp-content/uploads/2020/05/caf%C3%A9.pdf",
            "2020/05/café.pdf",
        ),
        ("https://site.example/2020/05/x.jpg", None),
        ("https://i0.wp.com/", None),
        ("https://centre.files.wordpress.com/", None),
        ("mailto:x@site.example", None),
    ],
)
def test_every_address_of_an_upload_gives_its_path(url, path):
    assert upload_path(url) == path
    assert is_upload(url) is (path is not None)


def test_wordpress_com_uploads_are_found_in_the_uploads_copy(tmp_path):
    folder = tmp_path / "2020" / "05"
    folder.mkdir(parents=True)
    (folder / "x.jpg").write_bytes(b"jpeg")
    library = MediaLibrary(tmp_path)
    for url in [
        "https://centre.files.wordpress.com/2020/05/x.jpg",
        "https://centre.files.wordpress.com/2020/05/x-300x200.jpg",
        "https://i0.wp.com/centre.files.wordpress.com/2020/05/x.jpg?resize=300",
    ]:
        assert library.find(url) == folder / "x.jpg", url
    assert library.find("https://centre.files.wordpress.com/2020/05/y.jpg") is None
    # Never outside the copy.
    assert library.find("https://centre.files.wordpress.com/../../etc/passwd") is None
