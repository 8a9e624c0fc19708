"""A client of the generated Thrift service written with another stack: Debian's python3-thrift.

Usage: /usr/bin/python3 thrift_client.py <generated dir> <host> <port> <name prefix>
The generated dir holds the `api` package made at test time by Debian's `thrift --gen py` from the
service's own thrift/ IDL. Framed transport, binary protocol, as the service speaks. Calls every RPC
and prints one JSON object with what came back.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

from thrift.protocol import TBinaryProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402

from api import ApiService  # noqa: E402
from api.ttypes import CreateItemRequest, GetItemRequest, InvalidArgument, ListItemsRequest, NotFound  # noqa: E402

host, port, prefix = sys.argv[2], int(sys.argv[3]), sys.argv[4]
socket = TSocket.TSocket(host, port)
socket.setTimeout(5000)
transport = TTransport.TFramedTransport(socket)
client = ApiService.Client(TBinaryProtocol.TBinaryProtocol(transport))
transport.open()


def error_of(call):
    try:
        call()
        return "OK"
    except InvalidArgument as error:
        return "InvalidArgument: " + error.message
    except NotFound as error:
        return "NotFound: " + error.message
    except Exception as error:  # anything else is a failure the test reports
        return type(error).__name__ + ": " + str(error)


def item(value):
    return {"id": value.id, "name": value.name, "createdAt": value.createdAt}


created = [item(client.CreateItem(CreateItemRequest(name="%s-%d" % (prefix, i)))) for i in range(3)]
fetched = item(client.GetItem(GetItemRequest(id=created[0]["id"])))

pages, seen, token = 0, [], ""
while True:
    page = client.ListItems(ListItemsRequest(pageSize=2, pageToken=token))
    pages += 1
    seen.extend(item(i) for i in page.items)
    token = page.nextPageToken
    if not token or pages > 10000:
        break

print(json.dumps({
    "created": created,
    "fetched": fetched,
    "pages": pages,
    "listed": [i for i in seen if i["name"].startswith(prefix + "-")],
    "listedIdsSorted": [i["id"] for i in seen] == sorted(i["id"] for i in seen),
    "errors": {
        "emptyName": error_of(lambda: client.CreateItem(CreateItemRequest(name="   "))),
        "badPageSize": error_of(lambda: client.ListItems(ListItemsRequest(pageSize=100000))),
        "badId": error_of(lambda: client.GetItem(GetItemRequest(id="not-a-uuid"))),
        "unknownId": error_of(lambda: client.GetItem(GetItemRequest(id="0190a8c4-0000-7000-8000-000000000000"))),
    },
}))
transport.close()
