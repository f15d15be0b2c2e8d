;;; aaprof.el --- aaprof's language server for AppArmor profiles, with eglot  -*- lexical-binding: t; -*-

;; Load this from your init file (Emacs 29 or later ships eglot).
;; Files under an apparmor.d directory, and *.apparmor, open in
;; `apparmor-mode' (a minimal mode; a fuller one from MELPA works as well).

(require 'eglot)

(define-derived-mode apparmor-mode prog-mode "AppArmor"
  "Major mode for AppArmor profiles."
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+\\s-*"))

(add-to-list 'auto-mode-alist '("/apparmor\\.d/" . apparmor-mode))
(add-to-list 'auto-mode-alist '("\\.apparmor\\'" . apparmor-mode))

;; -I and -b, as `aaprof lint` takes them (each file's aaprof.toml adds to these)
(add-to-list 'eglot-server-programs
             '(apparmor-mode . ("aaprof" "lsp"
                                :initializationOptions
                                (:include [] :base "/etc/apparmor.d"))))

(add-hook 'apparmor-mode-hook #'eglot-ensure)

(provide 'aaprof)
;;; aaprof.el ends here
