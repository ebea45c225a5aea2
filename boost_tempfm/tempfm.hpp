// Copyright boost_tempfm contributors.
// Distributed under the Boost Software License, Version 1.0.
#ifndef BOOST_TEMPFM_TEMPFM_HPP
#define BOOST_TEMPFM_TEMPFM_HPP

// Umbrella header.
#include <boost_tempfm/atomic_file.hpp>
#include <boost_tempfm/config.hpp>
#include <boost_tempfm/create_options.hpp>
#include <boost_tempfm/error.hpp>
#include <boost_tempfm/log.hpp>
#include <boost_tempfm/persist_options.hpp>
#include <boost_tempfm/registry.hpp>
#include <boost_tempfm/signal.hpp>
#include <boost_tempfm/temp_dir.hpp>
#include <boost_tempfm/temp_file.hpp>
#include <boost_tempfm/temp_file_manager.hpp>
#include <boost_tempfm/unnamed_file.hpp>

#endif  // BOOST_TEMPFM_TEMPFM_HPP
