# `make package`: Debian packages of smsd and sms-agent (CPack DEB, one package per component),
# with their systemd units, settings in /etc/default (conffiles) and maintainer scripts that
# create a system user per service. Runtime Depends come from dpkg-shlibdeps on the binaries;
# adduser (the scripts), tzdata and ca-certificates (smsd's report zones and TLS peers) are
# named here. Built from a Release tree: cd build && cpack -G DEB -B packages

# `make install` and cpack install exactly what they name, without building every target first
# (benches and the like): the Makefile builds smsd and sms-agent before running cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(SMS_DEB ${CMAKE_CURRENT_LIST_DIR})
set(SMS_DEB_OUT ${CMAKE_BINARY_DIR}/debian)

install(TARGETS smsd RUNTIME DESTINATION bin COMPONENT smsd)
install(FILES ${SMS_DEB}/../systemd/smsd.service DESTINATION lib/systemd/system COMPONENT smsd)
install(FILES ${SMS_DEB}/smsd.default DESTINATION /etc/default RENAME smsd COMPONENT smsd)
install(FILES ${CMAKE_SOURCE_DIR}/docs/DEPLOY.md DESTINATION share/doc/smsd COMPONENT smsd)

install(TARGETS sms-agent RUNTIME DESTINATION bin COMPONENT agent)
install(FILES ${SMS_DEB}/../systemd/sms-agent.service DESTINATION lib/systemd/system
        COMPONENT agent)
install(FILES ${SMS_DEB}/sms-agent.default DESTINATION /etc/default RENAME sms-agent
        COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/docs/DEPLOY.md DESTINATION share/doc/sms-agent COMPONENT agent)

# sms_deb_scripts(PKG USER HOME GECOS DIRS ETC_DIR KEEP): postinst, prerm, postrm and
# conffiles of one package, from the templates beside this file.
function(sms_deb_scripts PKG USER HOME GECOS DIRS ETC_DIR KEEP)
  set(UNIT ${PKG}.service)
  foreach(script postinst prerm postrm)
    configure_file(${SMS_DEB}/${script}.in ${SMS_DEB_OUT}/${PKG}/${script} @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                   GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  file(WRITE ${SMS_DEB_OUT}/${PKG}/conffiles "/etc/default/${PKG}\n")
  set(SMS_DEB_CONTROL_${PKG} ${SMS_DEB_OUT}/${PKG}/postinst ${SMS_DEB_OUT}/${PKG}/prerm
      ${SMS_DEB_OUT}/${PKG}/postrm ${SMS_DEB_OUT}/${PKG}/conffiles PARENT_SCOPE)
endfunction()

sms_deb_scripts(smsd sms /var/lib/sms "SMS server"
  "install -d -o sms -g sms -m 0750 /var/lib/sms\n  install -d -o root -g sms -m 0750 /etc/sms"
  /etc/sms "/var/lib/sms")
sms_deb_scripts(sms-agent sms-agent /nonexistent "SMS agent"
  "install -d -o root -g sms-agent -m 0750 /etc/sms-agent" /etc/sms-agent "its token")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sms)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "SMS maintainers <sms@example.com>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL smsd agent)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

set(CPACK_DEBIAN_SMSD_PACKAGE_NAME smsd)
set(CPACK_DEBIAN_SMSD_PACKAGE_DEPENDS "adduser, tzdata, ca-certificates")
set(CPACK_DEBIAN_SMSD_PACKAGE_CONTROL_EXTRA ${SMS_DEB_CONTROL_smsd})
string(CONCAT CPACK_COMPONENT_SMSD_DESCRIPTION
    "SMS server management system: inventory, heartbeats, uptime and reports\n"
    "One binary for every role (smsd all | healthcheck | worker | management | mail), run by\n"
    "smsd.service as the user sms with its state in /var/lib/sms.")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME sms-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA ${SMS_DEB_CONTROL_sms-agent})
string(CONCAT CPACK_COMPONENT_AGENT_DESCRIPTION
    "SMS agent: reports this server's heartbeat to smsd\n"
    "sms-agent.service sends POST /healthcheck every 30 s as the user sms-agent; settings in\n"
    "/etc/default/sms-agent, the token in /etc/sms-agent/token.")

include(CPack)
