import random

from chaos.mail import inspect_mail
from chaos.world._assets import jpeg_bytes, png_bytes
from tests.mail.test_server import message


def only_attachment(msg):
    (attachment,) = inspect_mail(0, ("a@b.c",), msg.as_bytes()).attachments
    return attachment


def test_a_correctly_labelled_png_has_no_findings():
    attachment = only_attachment(message(attachment=png_bytes(8, 8, (1, 2, 3))))
    assert attachment.findings == ()
    assert attachment.sniffed == attachment.declared == "image/png"


def test_jpeg_declared_as_jpg_alias_is_not_a_mismatch():
    data = jpeg_bytes("x", random.Random(0))
    attachment = only_attachment(message(attachment=data, ctype=("image", "jpg"), name="a.jpg"))
    assert "mime_mismatch" not in attachment.findings


def test_garbage_declared_as_an_image_is_a_corrupt_payload():
    attachment = only_attachment(message(attachment=b"\x00\x01garbage" * 20))
    assert "corrupt_payload" in attachment.findings


def test_an_empty_attachment_is_flagged():
    attachment = only_attachment(message(attachment=b""))
    assert "empty" in attachment.findings


def test_broken_base64_is_a_corrupt_payload():
    raw = message(attachment=png_bytes(8, 8, (1, 2, 3))).as_bytes()
    head, _, tail = raw.rpartition(b"\n\n")
    raw = head + b"\n\n" + b"iVBORw0KGgo*!!notbase64" + tail[:0] + b"\n"
    attachments = inspect_mail(0, ("a@b.c",), raw).attachments
    assert attachments and "corrupt_payload" in attachments[-1].findings
