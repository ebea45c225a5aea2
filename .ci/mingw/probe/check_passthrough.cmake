# cmake -DEMULATOR=<wine-run> -DTOOL=<probe_tool.exe> -P check_passthrough.cmake
# wine-run passes arguments through untouched, and the exit code as wine gives it: the low 8 bits
# of the Windows code, a non-zero code whose low 8 bits are 0 becoming 1.
foreach(pair "0=0" "1=1" "3=3" "201=201" "255=255" "256=1" "513=1" "0xC0000005=5" "0xC0000409=9")
  string(REPLACE "=" ";" pair "${pair}")
  list(GET pair 0 code)
  list(GET pair 1 want)
  execute_process(COMMAND "${EMULATOR}" "${TOOL}" --exit ${code} RESULT_VARIABLE got)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "probe_tool --exit ${code}: wine-run exited ${got}, expected ${want}")
  endif()
  message(STATUS "Windows exit code ${code} -> exit status ${got}")
endforeach()

# Arguments, an empty one included, reach the program unchanged (no globbing, no path conversion).
execute_process(COMMAND "${EMULATOR}" "${TOOL}" --echo -- "a b" "" "back\\slash" "q\"uote" "*.txt"
    "/unix/path" "C:\\win\\path" "--not-an-option"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "probe_tool --echo: exit ${rc}")
endif()
# (The program writes "\r\n": its stdout is in text mode. execute_process turns that into "\n".)
set(want "[a b]\n[]\n[back\\slash]\n[q\"uote]\n[*.txt]\n[/unix/path]\n[C:\\win\\path]\n[--not-an-option]\n")
if(NOT out STREQUAL want)
  message(FATAL_ERROR "arguments changed on the way:\n--- got\n${out}--- expected\n${want}")
endif()
message(STATUS "arguments arrive unchanged")
