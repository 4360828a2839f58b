import smtplib
import socket
import threading
from email.message import EmailMessage

import pytest

from chaos.mail import DISCONNECT, MailServer, SmtpRules, episode_host, inspect_mail
from chaos.world._assets import jpeg_bytes, png_bytes


def message(to="fan@example.org", attachment=None, ctype=("image", "png"), name="logo.png"):
    msg = EmailMessage()
    msg["From"] = "desk@example.org"
    msg["To"] = to
    msg["Subject"] = "highlights"
    msg.set_content("hello")
    if attachment is not None:
        msg.add_attachment(attachment, maintype=ctype[0], subtype=ctype[1], filename=name)
    return msg


def send(server, token, msg):
    with smtplib.SMTP(server.host, server.port, local_hostname=episode_host(token),
                      timeout=10) as client:
        return client.send_message(msg)


@pytest.fixture
def server():
    with MailServer() as running:
        yield running


def test_a_real_smtp_conversation_delivers_the_attachment_byte_for_byte(server):
    import random

    logo = jpeg_bytes("logo", random.Random(1))
    server.open_mailbox("ep1")
    send(server, "ep1", message(attachment=logo, ctype=("image", "png"), name="logo.png"))
    (delivery,) = server.close_mailbox("ep1")
    assert delivery.rcpt_tos == ("fan@example.org",)
    report = inspect_mail(delivery.index, delivery.rcpt_tos, delivery.data)
    (attachment,) = report.attachments
    assert attachment.declared == "image/png"
    assert attachment.sniffed == "image/jpeg"
    assert attachment.by_extension == "image/png"
    assert set(attachment.findings) == {"mime_mismatch", "extension_mismatch"}
    assert attachment.size == len(logo)


def test_the_server_binds_loopback_only_and_nothing_listens_after_stop():
    server = MailServer().start()
    port = server.port
    assert server.host == "127.0.0.1" and port > 0
    listening = server._controller.server.sockets[0].getsockname()
    assert listening[0] == "127.0.0.1"
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_unknown_clients_are_refused(server):
    with smtplib.SMTP(server.host, server.port, local_hostname="stranger.example",
                      timeout=10) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.send_message(message())


def test_concurrent_episodes_never_see_each_others_mail(server):
    tokens = [f"ep{i}" for i in range(8)]
    for token in tokens:
        server.open_mailbox(token)

    def blast(token):
        for n in range(5):
            send(server, token, message(to=f"{token}-{n}@example.org"))

    threads = [threading.Thread(target=blast, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for token in tokens:
        box = server.close_mailbox(token)
        assert len(box) == 5
        assert all(d.rcpt_tos[0].startswith(f"{token}-") for d in box)


@pytest.mark.parametrize(("rules", "error", "code"), [
    (SmtpRules(on_data=[lambda a, r, s: "451 4.3.0 Try again later"]), smtplib.SMTPDataError,
     451),
    (SmtpRules(on_data=[lambda a, r, s: "554 5.7.1 Rejected"]), smtplib.SMTPDataError, 554),
    (SmtpRules(on_data=[lambda a, r, s: "552 5.3.4 Too big" if s > 100 else None]),
     smtplib.SMTPDataError, 552),
    (SmtpRules(on_rcpt=[lambda addr, a: "550 5.1.1 User unknown"]),
     smtplib.SMTPRecipientsRefused, None),
])
def test_server_faults_reach_smtplib_with_real_reply_codes(server, rules, error, code):
    server.open_mailbox("ep", rules)
    with pytest.raises(error) as info:
        send(server, "ep", message(attachment=png_bytes(8, 8, (0, 0, 0))))
    if code is not None:
        assert info.value.smtp_code == code
    else:
        assert info.value.recipients["fan@example.org"][0] == 550
    assert server.close_mailbox("ep") == []


def test_a_dropped_connection_mid_data_delivers_nothing(server):
    server.open_mailbox("ep", SmtpRules(on_data=[lambda a, r, s: DISCONNECT if a == 0 else None]))
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(server, "ep", message())
    send(server, "ep", message())  # the retry goes through
    assert len(server.close_mailbox("ep")) == 1


def test_a_server_that_fails_to_start_leaves_nothing_listening(monkeypatch):
    from chaos.mail import _server

    def broken(self):
        self.port = self.server.sockets[0].getsockname()[1]
        broken.port = self.port
        raise TimeoutError("SMTP server not responding within allotted time")

    monkeypatch.setattr(_server._LoopbackController, "_trigger_server", broken)
    with pytest.raises(TimeoutError):
        MailServer().start()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", broken.port),
                                                          timeout=1):
        pass


def test_on_an_event_loop_the_server_delivers_and_then_frees_its_port():
    import asyncio

    import aiosmtplib

    async def conversation():
        async with MailServer() as running:
            running.open_mailbox("ep9")
            async with aiosmtplib.SMTP(hostname=running.host, port=running.port,
                                       local_hostname=episode_host("ep9"),
                                       start_tls=False) as client:
                await client.send_message(message(attachment=png_bytes(4, 4, (1, 2, 3))))
            return running.port, running.close_mailbox("ep9")

    port, box = asyncio.run(conversation())
    (delivery,) = box
    assert inspect_mail(0, delivery.rcpt_tos, delivery.data).attachments[0].findings == ()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
