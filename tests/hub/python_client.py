#!/usr/bin/python3
"""A second-language client of the enlace hub: Python with Debian's python3-grpcio.

Proves that the hub's API is usable from outside C++: mutual TLS with the network's
certificates, Exchange.Submit of a sealed envelope, verification of the hub's signed receipt,
Exchange.Subscribe as the recipient (reassembling pieces), a signed Exchange.Ack, and
Exchange.GetReceipt. The envelope is sealed beforehand by the C++ test (sealing needs HPKE,
which Python's standard library and python3-cryptography 38 do not offer as such); the
signatures this client makes and checks (the ack, the receipt) use python3-cryptography's
Ed25519, over the signing input of docs/protocol.md.

Stubs are generated at test time from proto/ into --stubs. Prints one JSON object per step and
exits 0 only if every step held.
"""

import argparse
import hashlib
import json
import sys
import time


def signing_input(domain, fields):
    """docs/protocol.md, "Signing input": u32be length + domain, then u32be length + field."""
    out = len(domain).to_bytes(4, "big") + domain
    for field in fields:
        out += len(field).to_bytes(4, "big") + field
    return out


def u64(value):
    return value.to_bytes(8, "big")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def channel(args, cert, key):
    import grpc

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.root), private_key=read(key), certificate_chain=read(cert))
    # The hub's certificate names "localhost"; we dial 127.0.0.1.
    options = [("grpc.ssl_target_name_override", "localhost"),
               ("grpc.max_receive_message_length", 64 << 20)]
    return grpc.secure_channel("127.0.0.1:%d" % args.port, credentials, options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stubs", required=True, help="folder with the generated enlace/v1 stubs")
    parser.add_argument("--root", required=True, help="network root certificate (PEM)")
    parser.add_argument("--sender-cert", required=True)
    parser.add_argument("--sender-key", required=True)
    parser.add_argument("--recipient-cert", required=True)
    parser.add_argument("--recipient-key", required=True)
    parser.add_argument("--recipient-id", required=True)
    parser.add_argument("--recipient-signing-key", required=True,
                        help="the recipient's Ed25519 directory signing key (PKCS#8 PEM)")
    parser.add_argument("--hub-key", required=True, help="the hub's Ed25519 log key (SPKI PEM)")
    parser.add_argument("--envelope", required=True, help="a serialized sealed Envelope")
    args = parser.parse_args()

    sys.path.insert(0, args.stubs)
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        print("python3-cryptography is missing (Ed25519 for the ack and the receipt): "
              "apt-get install python3-cryptography", file=sys.stderr)
        return 3
    from enlace.v1 import envelope_pb2, hub_service_pb2, hub_service_pb2_grpc

    envelope_bytes = read(args.envelope)
    envelope = envelope_pb2.Envelope.FromString(envelope_bytes)
    header = envelope_pb2.Header.FromString(envelope.header)
    hub_key = serialization.load_pem_public_key(read(args.hub_key))

    # 1. Submit as the sender; check the receipt's hashes and the hub's signature.
    sender = hub_service_pb2_grpc.ExchangeStub(channel(args, args.sender_cert, args.sender_key))
    response = sender.Submit(hub_service_pb2.SubmitRequest(envelope=envelope_bytes), timeout=30)
    receipt = response.receipt
    assert receipt.message_id == header.message_id, "receipt for another message"
    assert receipt.header_hash == hashlib.sha256(envelope.header).digest(), "header hash"
    assert receipt.envelope_hash == hashlib.sha256(envelope_bytes).digest(), "envelope hash"
    hub_key.verify(receipt.signature, signing_input(b"enlace/v1/receipt", [
        receipt.message_id, receipt.header_hash, receipt.envelope_hash, u64(receipt.log_index),
        u64(receipt.hub_time_ms), receipt.hub_key_id]))
    print(json.dumps({"step": "submit", "log_index": receipt.log_index,
                      "duplicate": response.duplicate}))

    # 2. Subscribe as the recipient and reassemble the envelope.
    recipient_channel = channel(args, args.recipient_cert, args.recipient_key)
    recipient = hub_service_pb2_grpc.ExchangeStub(recipient_channel)
    stream = recipient.Subscribe(hub_service_pb2.SubscribeRequest(after_sequence=0), timeout=30)
    received = b""
    sequence = 0
    for delivery in stream:
        if delivery.offset == 0:
            received = b""
        received += delivery.data
        if len(received) == delivery.envelope_size:
            sequence = delivery.sequence
            break
    stream.cancel()
    assert received == envelope_bytes, "the delivered envelope differs from the submitted one"
    print(json.dumps({"step": "subscribe", "sequence": sequence, "bytes": len(received)}))

    # 3. Acknowledge with the recipient's signing key.
    signing_key = serialization.load_pem_private_key(read(args.recipient_signing_key), None)
    public = signing_key.public_key().public_bytes(serialization.Encoding.DER,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    key_id = hashlib.sha256(public).digest()[:16]
    acked_at_ms = int(time.time() * 1000)
    signature = signing_key.sign(signing_input(b"enlace/v1/ack", [
        receipt.message_id, receipt.header_hash, args.recipient_id.encode(), u64(acked_at_ms)]))
    ack = recipient.Ack(hub_service_pb2.AckRequest(
        message_id=receipt.message_id, acked_at_ms=acked_at_ms, key_id=key_id,
        signature=signature), timeout=30)
    print(json.dumps({"step": "ack", "log_index": ack.log_index, "duplicate": ack.duplicate}))

    # 4. The receipt again, as the recipient.
    again = recipient.GetReceipt(hub_service_pb2.GetReceiptRequest(message_id=receipt.message_id),
                                 timeout=30)
    assert again.receipt == receipt, "GetReceipt returned another receipt"
    print(json.dumps({"step": "get_receipt", "has_proof": again.HasField("inclusion_proof")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
