"""A client of the generated gRPC service written with another stack: Debian's python3-grpcio.

Usage: /usr/bin/python3 grpc_client.py <generated dir> <host:port> <name prefix>
The generated dir holds <service>_pb2.py, made at test time by `protoc --python_out` from the
service's own .proto (messages only; the calls go through grpc's generic unary_unary, so no
grpc_tools plugin is needed). Calls every RPC and prints one JSON object with what came back.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402

import api_pb2 as pb  # noqa: E402

address, prefix = sys.argv[2], sys.argv[3]
channel = grpc.insecure_channel(address)


def method(name, request_class, response_class):
    return channel.unary_unary(
        "/api.v1.ApiService/" + name,
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )


create = method("CreateItem", pb.CreateItemRequest, pb.CreateItemResponse)
get = method("GetItem", pb.GetItemRequest, pb.GetItemResponse)
list_items = method("ListItems", pb.ListItemsRequest, pb.ListItemsResponse)


def code_of(call, request):
    try:
        call(request, timeout=5)
        return "OK"
    except grpc.RpcError as error:
        return error.code().name


def item(message):
    return {"id": message.id, "name": message.name, "createdAt": message.created_at}


created = [item(create(pb.CreateItemRequest(name="%s-%d" % (prefix, i)), timeout=5).item) for i in range(3)]
fetched = item(get(pb.GetItemRequest(id=created[0]["id"]), timeout=5).item)

# Page through everything, 2 at a time: the created items come back once each, in id order.
pages, seen, token = 0, [], ""
while True:
    page = list_items(pb.ListItemsRequest(page_size=2, page_token=token), timeout=5)
    pages += 1
    seen.extend(item(i) for i in page.items)
    token = page.next_page_token
    if not token or pages > 10000:
        break

print(json.dumps({
    "created": created,
    "fetched": fetched,
    "pages": pages,
    "listed": [i for i in seen if i["name"].startswith(prefix + "-")],
    "listedIdsSorted": [i["id"] for i in seen] == sorted(i["id"] for i in seen),
    "errors": {
        "emptyName": code_of(create, pb.CreateItemRequest(name="   ")),
        "badPageSize": code_of(list_items, pb.ListItemsRequest(page_size=100000)),
        "badId": code_of(get, pb.GetItemRequest(id="not-a-uuid")),
        "unknownId": code_of(get, pb.GetItemRequest(id="0190a8c4-0000-7000-8000-000000000000")),
    },
}))
channel.close()
