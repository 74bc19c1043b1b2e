{
  "targets": [
    {
      "target_name": "xsd_native",
      "sources": ["xsd-native.c"],
      "cflags": ["<!@(xml2-config --cflags)"],
      "libraries": ["<!@(xml2-config --libs)"]
    }
  ]
}
