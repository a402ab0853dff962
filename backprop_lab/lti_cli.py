"""`backprop-lab lti ...`: the course platforms registered with this tool, in the service's
Redis (REDIS_URL):

    backprop-lab lti add-platform --issuer URL --client-id ID --deployment ID [--deployment ...]
        --jwks-url URL --login-url URL --token-url URL [--token-audience URL] [--name TEXT]
    backprop-lab lti list [--json]
    backprop-lab lti remove --issuer URL --client-id ID
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from urllib.parse import urlsplit

from worker.settings import Settings


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    return text


def add_parser(sub) -> None:
    p = sub.add_parser("lti", help="the LTI 1.3 platforms registered with this tool")
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add-platform", help="register (or replace) a platform")
    add.add_argument("--issuer", required=True, help="`iss` of the platform's id_tokens")
    add.add_argument("--client-id", required=True, help="the client id it gave this tool")
    add.add_argument(
        "--deployment",
        action="append",
        required=True,
        help="a deployment id it launches with (again for each)",
    )
    add.add_argument("--jwks-url", type=_url, required=True, help="its public key set")
    add.add_argument("--login-url", type=_url, required=True, help="its OIDC authorization URL")
    add.add_argument("--token-url", type=_url, required=True, help="its OAuth2 token URL")
    add.add_argument("--token-audience", default="", help="the client assertion's aud")
    add.add_argument("--name", default="", help="a name for people")
    listing = actions.add_parser("list", help="the registered platforms")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="forget a platform")
    remove.add_argument("--issuer", required=True)
    remove.add_argument("--client-id", required=True)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    import redis

    from api.lti.platforms import Platform, Registry  # here: the other commands load no Flask

    registry = Registry(redis.Redis.from_url(Settings().redis_url))
    if args.action == "add-platform":
        platform = Platform(
            issuer=args.issuer,
            client_id=args.client_id,
            deployment_ids=tuple(dict.fromkeys(args.deployment)),
            jwks_url=args.jwks_url,
            login_url=args.login_url,
            token_url=args.token_url,
            token_audience=args.token_audience,
            name=args.name,
        )
        registry.add(platform)
        print(f"registered {platform.issuer} (client id {platform.client_id})")
        return 0
    if args.action == "remove":
        if not registry.remove(args.issuer, args.client_id):
            print(f"error: no platform {args.issuer} with client id {args.client_id}")
            return 1
        print(f"removed {args.issuer} (client id {args.client_id})")
        return 0
    platforms = registry.all()
    if args.json:
        print(json.dumps([asdict(p) for p in platforms], indent=2))
        return 0
    for p in platforms:
        deployments = ",".join(p.deployment_ids)
        print(f"{p.issuer}  client {p.client_id}  deployments {deployments}  keys {p.jwks_url}")
    if not platforms:
        print("no platforms registered")
    return 0
