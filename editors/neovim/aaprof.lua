-- aaprof's language server for AppArmor profiles in Neovim. Source it from
-- init.lua (`dofile("/path/to/aaprof.lua")`) or copy it into
-- ~/.config/nvim/plugin/. Works with Neovim 0.7 (Debian 12's) and later.

-- AppArmor files: the profile tree, and *.apparmor
vim.filetype.add({
  extension = { apparmor = "apparmor" },
  pattern = { [".*/apparmor%.d/.*"] = "apparmor" },
})

-- -I and -b, as `aaprof lint` takes them (each file's aaprof.toml adds to these)
local init_options = { include = {}, base = "/etc/apparmor.d" }

vim.api.nvim_create_autocmd("FileType", {
  pattern = "apparmor",
  callback = function(args)
    local file = vim.api.nvim_buf_get_name(args.buf)
    local dir = vim.fn.fnamemodify(file, ":h")
    -- the directory of the nearest aaprof.toml (vim.fs is 0.8 and later)
    local marker = vim.fn.findfile("aaprof.toml", dir .. ";")
    local config = {
      name = "aaprof",
      cmd = { "aaprof", "lsp" },
      root_dir = marker ~= "" and vim.fn.fnamemodify(marker, ":p:h") or dir,
      init_options = init_options,
    }
    if vim.lsp.start then
      -- 0.8 and later: one client per root, reused across buffers
      vim.lsp.start(config, { bufnr = args.buf })
    else
      local id = vim.lsp.start_client(config)
      if id then
        vim.lsp.buf_attach_client(args.buf, id)
      end
    end
  end,
})
