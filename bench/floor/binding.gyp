{
  "targets": [
    {
      "target_name": "xsd_native",
      "sources": ["xsd-native.c"],
      "include_dirs": ["/usr/include/libxml2"],
      "libraries": ["-lxml2"]
    }
  ]
}
