-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

{"spec": {"_meta": {"version": 5}, "nodes": [{"name": "zlib", "version": "1.3", "arch": {"platform": "linux", "platform_os": "rhel9", "target": "zen3"}, "namespace": "builtin", "parameters": {"shared": true}, "hash": "aaaabbbbccccddddeeeeffffgggghhhh"}]}}
