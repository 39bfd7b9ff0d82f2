"""Creates (idempotently) and lists the local emulator's S3 bucket and Firehose stream.

Run with the moto venv's python (boto3 is a moto dependency, so no build step is
needed): scripts/firehose/emulator.sh calls it after moto_server is ready.

    python emulator_admin.py ensure --endpoint URL --bucket B --stream S --prefix P
    python emulator_admin.py list --endpoint URL

Credentials are dummies (moto does not check them); region us-east-1.
"""

import argparse
import sys

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/firehose"


def clients(endpoint):
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    return session.client("s3", endpoint_url=endpoint), session.client(
        "firehose", endpoint_url=endpoint
    )


def ensure_bucket(s3, bucket):
    try:
        # us-east-1 takes no LocationConstraint (AWS rejects one naming us-east-1).
        s3.create_bucket(Bucket=bucket)
        return "ok"
    except ClientError as err:
        if err.response["Error"]["Code"] in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            return "ok (existed)"
        raise


def ensure_stream(firehose, stream, bucket, prefix):
    try:
        firehose.create_delivery_stream(
            DeliveryStreamName=stream,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE_ARN,
                "BucketARN": f"arn:aws:s3:::{bucket}",
                "Prefix": prefix,
                "ErrorOutputPrefix": "errors/",
                "CompressionFormat": "UNCOMPRESSED",
                # Ignored by moto (it writes one object per call), kept so the
                # description matches what a real stream would be given.
                "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
            },
        )
        return "ok"
    except ClientError as err:
        if err.response["Error"]["Code"] == "ResourceInUseException":
            return "ok (existed)"
        raise


def list_streams(firehose):
    names, start = [], None
    while True:
        kwargs = {"Limit": 50}
        if start:
            kwargs["ExclusiveStartDeliveryStreamName"] = start
        page = firehose.list_delivery_streams(**kwargs)
        names.extend(page["DeliveryStreamNames"])
        if not page.get("HasMoreDeliveryStreams") or not page["DeliveryStreamNames"]:
            return names
        start = page["DeliveryStreamNames"][-1]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["ensure", "list"])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", default="wifi-scans-local")
    parser.add_argument("--stream", default="wifi-scans-local")
    parser.add_argument("--prefix", default="scans/")
    args = parser.parse_args(argv)
    s3, firehose = clients(args.endpoint)

    if args.command == "ensure":
        print(f"bucket {args.bucket}: {ensure_bucket(s3, args.bucket)}")
        print(
            f"stream {args.stream} -> s3://{args.bucket}/{args.prefix}: "
            f"{ensure_stream(firehose, args.stream, args.bucket, args.prefix)}"
        )
        return 0

    for name in list_streams(firehose):
        desc = firehose.describe_delivery_stream(DeliveryStreamName=name)
        d = desc["DeliveryStreamDescription"]
        dest = (d.get("Destinations") or [{}])[0].get("ExtendedS3DestinationDescription", {})
        bucket = dest.get("BucketARN", "?").split(":")[-1]
        print(f"  {name}  {d['DeliveryStreamStatus']}  -> s3://{bucket}/{dest.get('Prefix', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
