/* flexui's QEMU test kernel: a multiboot (v1) image that says hello on COM1,
 * reports whether the CPU has protection keys (CPUID.7.0:ECX bit 3, PKU) and
 * leaves through isa-debug-exit with EXIT_VALUE (QEMU then exits with
 * 2 * EXIT_VALUE + 1). Assembled with --defsym HANG=1 it never exits; with --defsym CHATTY=1 it never
 * exits and never stops printing; with
 * --defsym SHUTDOWN=1 it resets the machine first (QEMU, run with -no-reboot, exits with 0); with
 * --defsym CRASH=1 it reports a page fault the way a Unikraft guest does and then resets (so QEMU's
 * exit code alone says nothing went wrong).
 * With --defsym METRIC=N (and NOISE=M) it prints `metric: V`, V = N + (TSC mod M): a stand-in
 * benchmark whose value differs a little from boot to boot. */

        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0
        .set COM1, 0x3f8
        .set DEBUG_EXIT, 0xf4
        .ifndef EXIT_VALUE
        .set EXIT_VALUE, 0
        .endif

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

        .text
        .code32
        .global _start
_start:
        mov $stack_top, %esp
        mov $hello, %esi
        call puts
        xor %eax, %eax
        cpuid
        cmp $7, %eax
        jb no_pku
        mov $7, %eax
        xor %ecx, %ecx
        cpuid
        test $(1 << 3), %ecx
        jz no_pku
        mov $pku_yes, %esi
        jmp report
no_pku:
        mov $pku_no, %esi
report:
        call puts
        .ifdef CRASH
        mov $crashed, %esi
        call puts
        mov $0xfe, %al
        out %al, $0x64
        jmp halt
        .endif
        .ifdef CHATTY
chat:   mov $chatter, %esi
        call puts
        jmp chat
        .endif
        .ifdef HANG
        mov $hanging, %esi
        call puts
spin:   jmp spin
        .endif
        .ifdef METRIC
        mov $metric_label, %esi
        call puts
        mov $METRIC, %eax
        .ifdef NOISE
        rdtsc
        xor %edx, %edx
        mov $NOISE, %ecx
        div %ecx
        mov $METRIC, %eax
        add %edx, %eax
        .endif
        call putnum
        mov $newline, %esi
        call puts
        .endif
        mov $bye, %esi
        call puts
        .ifdef SHUTDOWN
        mov $0xfe, %al              /* keyboard-controller reset: with -no-reboot QEMU */
        out %al, $0x64              /* then exits with 0, like a guest powering off */
        jmp halt
        .endif
        mov $DEBUG_EXIT, %dx
        mov $EXIT_VALUE, %eax
        out %eax, %dx
halt:   cli
        hlt
        jmp halt

/* Write the NUL-terminated string at %esi to COM1, waiting for the transmitter. */
puts:
        lodsb
        test %al, %al
        jz 2f
        mov %al, %bl
        mov $(COM1 + 5), %dx
1:      in %dx, %al
        test $0x20, %al
        jz 1b
        mov %bl, %al
        mov $COM1, %dx
        out %al, %dx
        jmp puts
2:      ret

/* Write %eax in decimal to COM1. */
putnum:
        mov $numbuf_end, %edi
        mov $10, %ecx
3:      xor %edx, %edx
        div %ecx
        add $'0', %dl
        dec %edi
        mov %dl, (%edi)
        test %eax, %eax
        jnz 3b
        mov %edi, %esi
        jmp puts

        .section .rodata
hello:   .asciz "flexui test kernel: hello\n"
pku_yes: .asciz "PKU: yes\n"
pku_no:  .asciz "PKU: no\n"
hanging: .asciz "looping forever\n"
chatter: .asciz "still talking\n"
bye:     .asciz "exiting\n"
crashed: .asciz "CRIT: [libkvmplat] Unhandled Trap 14 (page fault), error code=0x2\n"
metric_label: .asciz "metric: "
newline: .asciz "\n"

        .data
numbuf: .space 11
numbuf_end: .byte 0

        .bss
        .align 16
        .space 4096
stack_top:
