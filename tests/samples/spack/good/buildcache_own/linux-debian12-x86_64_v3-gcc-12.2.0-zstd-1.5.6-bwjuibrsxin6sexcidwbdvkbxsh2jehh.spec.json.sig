-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

{
"spec": {
"_meta": {
"version": 5
},
"nodes": [
{
"name": "zstd",
"version": "1.5.6",
"arch": {
"platform": "linux",
"platform_os": "debian12",
"target": "x86_64_v3"
},
"namespace": "builtin",
"parameters": {
"build_system": "generic",
"programs": true,
"cflags": [],
"cppflags": [],
"cxxflags": [],
"fflags": [],
"ldflags": [],
"ldlibs": []
},
"package_hash": "c63ysfz4bkp27av3ffdkpkmhdmsex43eakwawirns65pqcl5tpaq====",
"dependencies": [
{
"name": "gcc",
"hash": "pszsdg62g6gu3owq42vldgcgysy7iwqe",
"parameters": {
"deptypes": [
"build"
],
"virtuals": [
"c"
]
}
},
{
"name": "glibc",
"hash": "4dadlwjjbipppopjoswmnec76qrbfwih",
"parameters": {
"deptypes": [
"link"
],
"virtuals": [
"libc"
]
}
}
],
"annotations": {
"original_specfile_version": 5
},
"hash": "bwjuibrsxin6sexcidwbdvkbxsh2jehh"
},
{
"name": "gcc",
"version": "12.2.0",
"arch": {
"platform": "linux",
"platform_os": "debian12",
"target": "x86_64_v3"
},
"namespace": "builtin",
"parameters": {
"build_system": "generic",
"languages": [
"c",
"c++"
],
"cflags": [],
"cppflags": [],
"cxxflags": [],
"fflags": [],
"ldflags": [],
"ldlibs": []
},
"external": {
"path": "/usr",
"module": null,
"extra_attributes": {
"compilers": {
"c": "/usr/bin/gcc",
"cxx": "/usr/bin/g++"
}
}
},
"package_hash": "deuewgladrejegqzqdm3ovbhdj3qprgypzsmb47tnfoguv2zdgeq====",
"annotations": {
"original_specfile_version": 5
},
"hash": "pszsdg62g6gu3owq42vldgcgysy7iwqe"
},
{
"name": "glibc",
"version": "2.36",
"arch": {
"platform": "linux",
"platform_os": "debian12",
"target": "x86_64_v3"
},
"namespace": "builtin",
"parameters": {
"build_system": "generic",
"cflags": [],
"cppflags": [],
"cxxflags": [],
"fflags": [],
"ldflags": [],
"ldlibs": []
},
"external": {
"path": "/usr",
"module": null,
"extra_attributes": {}
},
"package_hash": "frpfg463rfv44gikgh56326bkn77wv4fomubiwci7nbydbeoboga====",
"annotations": {
"original_specfile_version": 5
},
"hash": "4dadlwjjbipppopjoswmnec76qrbfwih"
}
]
},
"buildcache_layout_version": 2,
"binary_cache_checksum": {
"hash_algorithm": "sha256",
"hash": "65eec3021451902947f6033d57adc41495c66e3f28348bbe271ae9ff0759d521"
}
}
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEEexampleexampleexampleexampleexampleFAmZexampleACgkQ
exampleNOTAREALSIGNATUREexample
=abcd
-----END PGP SIGNATURE-----
