// etcd
